import {
  API_GATEWAY_AUTHORIZER_RESULT_BYTES,
  type ClaimsContext,
  encodeClaimsContext,
  utf8Bytes,
} from '@topic-bridge/shared-types';
import type { Logger } from '../log.js';
import type { TokenTransport } from './handshake.js';
import { isOurFailure, type TokenProblem, type TokenVerifier, verifyToken } from './verify-token.js';

/** The Allow policy API Gateway expects from a Lambda authorizer, with the claims in `context`. */
export interface AllowPolicy {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: [{ Action: 'execute-api:Invoke'; Effect: 'Allow'; Resource: string }];
  };
  context: ClaimsContext;
}

/** What the authorizer decided: allow with a policy, refuse (401), or fail on its own side (500). */
export type AuthorizeOutcome =
  | { outcome: 'allow'; policy: AllowPolicy }
  | { outcome: 'deny'; problem: TokenProblem | { kind: 'missing'; reason: string } }
  | { outcome: 'error'; problem: TokenProblem };

/** What `authorize` needs: the verifier built at cold start, a logger, and the clock. */
export interface AuthorizeDeps {
  verifier: TokenVerifier;
  logger: Logger;
  now?: () => Date;
}

/**
 * Decides a `$connect`: verifies the token and allows exactly the event's `methodArn`, with the claims in the
 * policy's context for `$connect` and every later route. Logs the `sub` (never the token); never throws.
 */
export async function authorize(
  request: { token: { token: string; via: TokenTransport } | undefined; methodArn: string },
  deps: AuthorizeDeps,
): Promise<AuthorizeOutcome> {
  if (request.token === undefined) {
    deps.logger.info('connect refused: no token', {});
    return {
      outcome: 'deny',
      problem: { kind: 'missing', reason: 'no token in ?token= nor in a bearer.<JWT> subprotocol' },
    };
  }
  const { via } = request.token;
  const verified = await verifyToken(request.token.token, deps.verifier, deps.now?.() ?? new Date());
  if (!verified.ok) {
    if (isOurFailure(verified.error)) {
      deps.logger.error('connect failed: the token could not be checked', { via, ...verified.error });
      return { outcome: 'error', problem: verified.error };
    }
    deps.logger.info('connect refused: token rejected', { via, ...verified.error });
    return { outcome: 'deny', problem: verified.error };
  }
  const claims = verified.value;
  const context = encodeClaimsContext(claims);
  if (!context.ok) {
    deps.logger.info('connect refused: token grants too large', {
      via,
      sub: claims.sub,
      reason: context.error.reason,
    });
    return { outcome: 'deny', problem: { kind: 'claims', reason: context.error.reason } };
  }
  const policy = allowPolicy(claims.sub, request.methodArn, context.value);
  const bytes = utf8Bytes(JSON.stringify(policy));
  if (bytes > API_GATEWAY_AUTHORIZER_RESULT_BYTES) {
    const reason = `the authorizer result would be ${bytes} bytes; API Gateway accepts ${API_GATEWAY_AUTHORIZER_RESULT_BYTES}`;
    deps.logger.info('connect refused: token grants too large', { via, sub: claims.sub, reason });
    return { outcome: 'deny', problem: { kind: 'claims', reason } };
  }
  deps.logger.info('connect authorized', { via, sub: claims.sub, exp: claims.exp });
  return { outcome: 'allow', policy };
}

/** An Allow policy for exactly one resource (the `$connect` of this API and stage). */
export function allowPolicy(principalId: string, methodArn: string, context: ClaimsContext): AllowPolicy {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: methodArn }],
    },
    context,
  };
}
