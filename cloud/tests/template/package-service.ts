import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createServiceCopy, SERVERLESS_BIN } from '../../local/service-copy.js';

const run = promisify(execFile);

/** A CloudFormation template, as far as the tests read it. */
export interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown }>;
}

/** The output of one `sls package` run. */
export interface PackagedService {
  template: Template;
  /** What `sls package` printed (stdout and stderr). */
  output: string;
  /** The folder holding the template and one zip per function. */
  dir: string;
  /** Size of each function's zip, by function name. */
  zipBytes(functionName: string): Promise<number>;
  remove(): Promise<void>;
}

/**
 * Runs `sls package` on our serverless.yml, offline, in a private service folder (see createServiceCopy), so
 * that several runs can happen at once. No AWS account is reachable: the credentials are dummies and no
 * profile is passed on.
 */
export async function packageService(params: Record<string, string> = {}): Promise<PackagedService> {
  const service = await createServiceCopy();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_PROFILE']) delete env[name];
  let output = '';
  try {
    const printed = await run(
      process.execPath,
      [
        SERVERLESS_BIN,
        'package',
        ...Object.entries(params).map(([name, value]) => `--param=${name}=${value}`),
      ],
      {
        cwd: service.dir,
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
    output = `${printed.stdout}\n${printed.stderr}`;
  } catch (error) {
    await service.remove();
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(`sls package failed:\n${output.stdout ?? ''}\n${output.stderr ?? ''}`, { cause: error });
  }
  const dir = join(service.dir, '.serverless');
  const template = JSON.parse(
    await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
  return {
    template,
    output,
    dir,
    zipBytes: async (functionName) => (await stat(join(dir, `${functionName}.zip`))).size,
    remove: () => service.remove(),
  };
}
