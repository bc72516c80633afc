import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
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

/**
 * Runs `sls package` on our serverless.yml, offline, into a private folder (`--package`) with a private
 * esbuild work folder, so that several runs can happen at once. No AWS account is reachable: the
 * credentials are dummies and no profile is passed on.
 */
export async function packageService(params: Record<string, string> = {}): Promise<PackagedService> {
  const dir = await mkdtemp(join(tmpdir(), 'topic-bridge-package-'));
  const buildDir = `.esbuild/package-${randomUUID().slice(0, 8)}`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_PROFILE']) delete env[name];
  try {
    await run(
      process.execPath,
      [
        'node_modules/serverless/bin/serverless.js',
        'package',
        '--package',
        dir,
        ...Object.entries(params).map(([name, value]) => `--param=${name}=${value}`),
      ],
      {
        cwd: SERVICE_DIR,
        env: {
          ...env,
          AWS_ACCESS_KEY_ID: 'package-only',
          AWS_SECRET_ACCESS_KEY: 'package-only',
          SLS_TELEMETRY_DISABLED: '1',
          SLS_NOTIFICATIONS_MODE: 'off',
          TOPIC_BRIDGE_BUILD_DIR: buildDir,
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(`sls package failed:\n${output.stdout ?? ''}\n${output.stderr ?? ''}`, { cause: error });
  } finally {
    await rm(join(SERVICE_DIR, buildDir), { recursive: true, force: true });
  }
  const template = JSON.parse(
    await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
  return {
    template,
    dir,
    zipBytes: async (functionName) => (await stat(join(dir, `${functionName}.zip`))).size,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
