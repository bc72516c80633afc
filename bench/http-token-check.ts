/**
 * HTTP publish: what checking the bearer token in the function costs, next to what a Lambda authorizer would
 * (docs/BENCHMARKS.md, "HTTP publish: token check"). Measures the CPU of one HS256 verification (jose, as
 * auth/verify-token.ts does it) and of parsing a 25-frame body, warm, on this machine; prints a table and one
 * JSON line. `npx tsx bench/http-token-check.ts [iterations]`.
 */
import { MAX_HTTP_PUBLISH_FRAMES } from '@topic-bridge/shared-types';
import { SignJWT } from 'jose';
import { authenticateBearer } from '../cloud/src/auth/bearer.js';
import { createVerifier } from '../cloud/src/auth/key-source.js';
import { parsePublishBody } from '../cloud/src/core/http-publish.js';
import { createLogger } from '../cloud/src/log.js';

const iterations = Number(process.argv[2] ?? 20_000);
const WARM_UP = 2_000;

/** Lambda's price per request and per GB-second on arm64 (us-east-1, AWS's price list). */
const PRICE_PER_REQUEST = 0.2 / 1e6;
const PRICE_PER_GB_SECOND_ARM = 0.0000133334;
/** A Lambda authorizer's billed duration is at least 1 ms; ours is sized at the provider default, 256 MB. */
const AUTHORIZER_MEMORY_GB = 256 / 1024;
const HTTP_PUBLISH_MEMORY_GB = 1769 / 1024;

async function cpuMicros(label: string, run: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARM_UP; i++) await run();
  const before = process.cpuUsage();
  for (let i = 0; i < iterations; i++) await run();
  const used = process.cpuUsage(before);
  const micros = (used.user + used.system) / iterations;
  console.log(`${label.padEnd(44)} ${micros.toFixed(1).padStart(8)} µs of CPU each (${iterations} runs)`);
  return micros;
}

const secret = 'bench-secret-bench-secret-bench-secret-';
const verifier = await createVerifier(
  {
    algorithm: 'HS256',
    secret,
    keyParameter: undefined,
    jwksUrl: undefined,
    audience: undefined,
    issuer: undefined,
    logLevel: 'error',
  },
  async () => secret,
);
const token = await new SignJWT({ publish: ['sensors/#'], subscribe: [] })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject('backend')
  .setExpirationTime('1h')
  .sign(new TextEncoder().encode(secret));
const logger = createLogger('error');
const header = `Bearer ${token}`;
const batch = JSON.stringify({
  frames: Array.from({ length: MAX_HTTP_PUBLISH_FRAMES }, (_, i) => ({
    topic: `sensors/room${i}/temperature`,
    message: { value: 21.5, unit: '°C' },
    id: `reading-${i}`,
    ts: 1_700_000_000_000 + i,
  })),
});

const verifyMicros = await cpuMicros('verify an HS256 bearer token', () =>
  authenticateBearer(header, { verifier, logger }),
);
const parseMicros = await cpuMicros(`parse a ${MAX_HTTP_PUBLISH_FRAMES}-frame body`, () =>
  parsePublishBody(batch),
);

const inFunction = (verifyMicros / 1e6) * HTTP_PUBLISH_MEMORY_GB * PRICE_PER_GB_SECOND_ARM;
const authorizer = PRICE_PER_REQUEST + 0.001 * AUTHORIZER_MEMORY_GB * PRICE_PER_GB_SECOND_ARM;
console.log(
  `per million requests: token check in the function $${(inFunction * 1e6).toFixed(4)}; ` +
    `an uncached Lambda authorizer at least $${(authorizer * 1e6).toFixed(4)} (one more invocation, 1 ms billed)`,
);
console.log(
  JSON.stringify({
    bench: 'http-token-check',
    iterations,
    verifyMicros: Number(verifyMicros.toFixed(1)),
    parseBatchMicros: Number(parseMicros.toFixed(1)),
    inFunctionUsdPerMillion: Number((inFunction * 1e6).toFixed(4)),
    authorizerUsdPerMillion: Number((authorizer * 1e6).toFixed(4)),
  }),
);
