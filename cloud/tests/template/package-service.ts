import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SERVICE_DIR } from '../../local/offline-process.js';

const run = promisify(execFile);

/** A CloudFormation template, as far as the tests read it. */
export interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown }>;
}

/** The output of one `sls package` run. */
export interface PackagedService {
  template: Template;
  /** The folder holding the template and one zip per function. */
  dir: string;
  /** Size of each function's zip, by function name. */
  zipBytes(functionName: string): Promise<number>;
  remove(): Promise<void>;
}

/** What a private service folder links to: everything the handlers import. */
const LINKED_ENTRIES = ['package.json', 'node_modules', 'cloud', 'shared-types'];

/**
 * Runs `sls package` on our serverless.yml, offline. serverless v3 always writes its artifacts to
 * `<service>/.serverless` (`--package` only moves them afterwards) and serverless-esbuild builds in
 * `<service>/.esbuild`, so each run gets a private service folder of symbolic links to the real files (and a copy of serverless.yml):
 * several runs can then happen at once. No AWS account is reachable: the credentials are dummies and no
 * profile is passed on.
 */
export async function packageService(params: Record<string, string> = {}): Promise<PackagedService> {
  const serviceDir = await mkdtemp(join(tmpdir(), 'topic-bridge-service-'));
  const remove = () => rm(serviceDir, { recursive: true, force: true });
  // serverless does not accept a linked serverless.yml: the file itself is copied, unchanged.
  await copyFile(join(SERVICE_DIR, 'serverless.yml'), join(serviceDir, 'serverless.yml'));
  for (const entry of LINKED_ENTRIES) await symlink(join(SERVICE_DIR, entry), join(serviceDir, entry));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_PROFILE', 'TOPIC_BRIDGE_BUILD_DIR']) {
    delete env[name];
  }
  try {
    await run(
      process.execPath,
      [
        join(SERVICE_DIR, 'node_modules/serverless/bin/serverless.js'),
        'package',
        ...Object.entries(params).map(([name, value]) => `--param=${name}=${value}`),
      ],
      {
        cwd: serviceDir,
        env: {
          ...env,
          AWS_ACCESS_KEY_ID: 'package-only',
          AWS_SECRET_ACCESS_KEY: 'package-only',
          SLS_TELEMETRY_DISABLED: '1',
          SLS_NOTIFICATIONS_MODE: 'off',
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    await remove();
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(`sls package failed:\n${output.stdout ?? ''}\n${output.stderr ?? ''}`, { cause: error });
  }
  const dir = join(serviceDir, '.serverless');
  const template = JSON.parse(
    await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
  return {
    template,
    dir,
    zipBytes: async (functionName) => (await stat(join(dir, `${functionName}.zip`))).size,
    remove,
  };
}
