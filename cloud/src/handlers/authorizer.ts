import { type AllowPolicy, authorize } from '../auth/authorize.js';
import type { HandshakeRequest } from '../auth/handshake.js';
import { tokenOf } from '../auth/handshake.js';
import { createVerifier } from '../auth/key-source.js';
import type { TokenVerifier } from '../auth/verify-token.js';
import { readSecureParameter } from '../aws/ssm-parameter.js';
import { loadAuthorizerConfig } from '../config.js';
import { createLogger, type Logger } from '../log.js';
import { withRuntime } from './with-runtime.js';

/** The REQUEST event API Gateway sends a WebSocket authorizer on `$connect`. */
export interface AuthorizerEvent extends HandshakeRequest {
  type?: string;
  methodArn: string;
}

/** The authorizer's cold-start runtime: the key is read (from SSM) once, not per connect. */
interface AuthorizerRuntime {
  logger: Logger;
  verifier: TokenVerifier;
}

async function buildAuthorizerRuntime(): Promise<AuthorizerRuntime> {
  const config = loadAuthorizerConfig();
  const verifier = await createVerifier(config, (name) => readSecureParameter(name));
  return { logger: createLogger(config.logLevel), verifier };
}

/** The value the decision resolves to when the token is refused (turned into a 401 below). */
const DENIED = Symbol('denied');

const decide = withRuntime({
  name: 'authorizer',
  build: buildAuthorizerRuntime,
  async handle(event: AuthorizerEvent, runtime): Promise<AllowPolicy | typeof DENIED> {
    const decision = await authorize({ token: tokenOf(event), methodArn: event.methodArn }, runtime);
    if (decision.outcome === 'allow') return decision.policy;
    if (decision.outcome === 'deny') return DENIED;
    // Our own failure (keys not fetched): a 500, so that clients retry instead of giving up as on a 401.
    throw new Error('the token could not be checked; see the logs');
  },
  fail: (error) => {
    throw error;
  },
});

/**
 * The `$connect` Lambda REQUEST authorizer. On AWS a refusal is the documented `Error("Unauthorized")`
 * (API Gateway answers 401); serverless-offline answers 401 only to a handler that resolves to the string
 * "Unauthorized" (a throw gives 500 there), so under it (IS_OFFLINE) the refusal is that string.
 */
export const handler = async (event: AuthorizerEvent): Promise<AllowPolicy | 'Unauthorized'> => {
  const decision = await decide(event);
  if (decision !== DENIED) return decision;
  if (process.env.IS_OFFLINE === 'true') return 'Unauthorized';
  throw new Error('Unauthorized');
};
