/**
 * `npm run -s token -- --publish F --subscribe F --expires 30d --sub NAME --secret-file PATH`: prints a
 * token signed with the local stack's development secret (or the given file's), and nothing else on stdout,
 * so that `TOKEN=$(npm run -s token -- …)` works. Flags are repeatable; bad flags exit 2 with a message.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { validateTopicFilter } from '@topic-bridge/shared-types';
import { MIN_HS256_SECRET_BYTES } from '../src/config.js';
import { DEV_SECRET_FILE, readDevSecret, signToken } from './dev-auth.js';

/** Exit code for bad flags or a missing secret: fix the command and run it again. */
export const EXIT_USAGE = 2;

/** Lifetime of a token when `--expires` is not given: short, since a token cannot be revoked. */
export const DEFAULT_TOKEN_LIFETIME = '1h';

/** `sub` when `--sub` is not given. */
export const DEFAULT_TOKEN_SUBJECT = 'cli';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

const USAGE = `Usage: npm run -s token -- [--publish FILTER]… [--subscribe FILTER]… [--expires 10s|15m|1h|30d]
                          [--sub NAME] [--secret-file PATH]
Prints a token for the local stack (npm start). Each --publish/--subscribe grants one topic filter
(repeatable; none means none). --expires defaults to ${DEFAULT_TOKEN_LIFETIME}, --sub to "${DEFAULT_TOKEN_SUBJECT}", --secret-file to
${DEV_SECRET_FILE} (created by the first npm start).`;

/** Where `main` writes. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const consoleOutput: CliOutput = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** Parses `10s`, `15m`, `1h`, `30d` into seconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^([1-9]\d{0,6})([smhd])$/.exec(text.trim());
  if (match === null) return undefined;
  return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}

/** Runs the command; returns the exit code. */
export async function main(
  argv: readonly string[],
  output: CliOutput = consoleOutput,
  nowMs = Date.now(),
): Promise<number> {
  const usage = (problem: string) => {
    output.err(`token: ${problem}\n${USAGE}`);
    return EXIT_USAGE;
  };
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) {
    output.out(USAGE);
    return 0;
  }
  for (const [flag, filters] of [
    ['--publish', values.publish ?? []],
    ['--subscribe', values.subscribe ?? []],
  ] as const) {
    for (const filter of filters) {
      const checked = validateTopicFilter(filter);
      if (!checked.ok) return usage(`${flag} "${filter}": ${checked.error.reason}`);
    }
  }
  const expires = values.expires ?? DEFAULT_TOKEN_LIFETIME;
  const expiresInSeconds = parseDuration(expires);
  if (expiresInSeconds === undefined)
    return usage(`--expires "${expires}" is not a duration such as 10s, 15m, 1h or 30d`);
  const sub = values.sub ?? DEFAULT_TOKEN_SUBJECT;
  if (sub.trim() === '') return usage('--sub must not be empty');
  const file = values['secret-file'] ?? DEV_SECRET_FILE;
  const secret = await readDevSecret(file).catch(() => undefined);
  if (secret === undefined) {
    return usage(
      `no secret in ${file}: run "npm start" once to create the development secret, or pass --secret-file`,
    );
  }
  if (new TextEncoder().encode(secret).byteLength < MIN_HS256_SECRET_BYTES) {
    return usage(
      `the secret in ${file} is shorter than ${MIN_HS256_SECRET_BYTES} bytes; the bridge would refuse it`,
    );
  }
  const publish = [...new Set(values.publish ?? [])];
  const subscribe = [...new Set(values.subscribe ?? [])];
  output.out(await signToken({ sub, publish, subscribe, expiresInSeconds }, secret, nowMs));
  return 0;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      publish: { type: 'string', multiple: true },
      subscribe: { type: 'string', multiple: true },
      expires: { type: 'string' },
      sub: { type: 'string' },
      'secret-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exit(await main(process.argv.slice(2)));
}
