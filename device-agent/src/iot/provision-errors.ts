import { AgentError } from '../errors.js';

/**
 * Why `device-agent provision` failed, as one sentence a person can act on, with a stable code and the
 * process exit code the CLI uses for it. SDK errors are translated here, where the SDK is called.
 * Codes 10 and up are provision's own, apart from the agent's 0 to 3 (docs/IOT.md lists them).
 */

/** Stable reasons for a failed provisioning run, each with its documented exit code. */
export const PROVISION_EXIT_CODES = {
  /** Anything else: the message includes AWS's own words. */
  unexpected: 1,
  /** A flag is invalid (thing name, output directory): the CLI's usage code. */
  invalid_argument: 2,
  /** No AWS credentials or no Region could be found. */
  no_credentials: 10,
  /** AWS refused the call: the identity lacks an IAM permission. */
  access_denied: 11,
  /** AWS IoT throttled the calls even after the SDK's retries; a rerun later is safe. */
  throttled: 12,
  /** Something already exists in a state this run cannot reuse (another thing's files, a revoked certificate). */
  conflict: 13,
  /** The IoT policy to attach does not exist in this account and Region. */
  policy_not_found: 14,
  /** AWS IoT could not be reached (network, DNS, proxy). */
  unreachable: 15,
  /** The output directory could not be read or written. */
  local_files: 16,
} as const;

/** One of the stable provisioning failure codes. */
export type ProvisionErrorCode = keyof typeof PROVISION_EXIT_CODES;

/**
 * A provisioning failure (an AgentError with code `provision_failed`): `message` is the sentence to show,
 * `reason` the stable provisioning reason, `exitCode` what the process returns (main honours it).
 */
export class ProvisionError extends AgentError {
  readonly reason: ProvisionErrorCode;
  readonly exitCode: number;

  constructor(reason: ProvisionErrorCode, message: string, options?: { cause?: unknown }) {
    super('provision_failed', message, options);
    this.name = 'ProvisionError';
    this.reason = reason;
    this.exitCode = PROVISION_EXIT_CODES[reason];
  }
}

/** What the failed call was trying to do, for the sentence: the IAM action and the object. */
export interface AwsCallContext {
  /** The IAM action, e.g. `iot:CreateThing`. */
  action: string;
  /** What it was about, e.g. `thing "gateway-01"`. */
  subject: string;
  /** The Region the client talks to, when known. */
  region?: string;
}

interface AwsErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

const THROTTLE_NAMES = new Set(['ThrottlingException', 'LimitExceededException', 'TooManyRequestsException']);
const DENIED_NAMES = new Set(['AccessDeniedException', 'UnauthorizedException', 'AccessDenied']);
const NETWORK_CODES = new Set(['ENOTFOUND', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN']);

/** Translates an error thrown by an IoT control-plane call into a ProvisionError. */
export function explainAwsError(error: unknown, call: AwsCallContext): ProvisionError {
  if (error instanceof ProvisionError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as AwsErrorShape;
  const name = shape.name ?? '';
  const status = shape.$metadata?.httpStatusCode;
  const awsWords = shape.message ? ` (AWS said: ${shape.message})` : '';
  const where = call.region ? ` in ${call.region}` : '';
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(shape.message ?? '')) {
    return new ProvisionError(
      'no_credentials',
      'No AWS credentials were found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), ' +
        'or run `aws configure`, then run provision again.',
      { cause: error },
    );
  }
  if (/region is missing/i.test(shape.message ?? '')) {
    return new ProvisionError(
      'no_credentials',
      'No AWS Region is set: pass --region (e.g. --region eu-west-1) or set AWS_REGION, then run provision again.',
      { cause: error },
    );
  }
  if (DENIED_NAMES.has(name) || status === 403 || status === 401) {
    return new ProvisionError(
      'access_denied',
      `AWS denied ${call.action} on ${call.subject}${where}: grant your IAM identity "${call.action}" ` +
        `(docs/IOT.md lists every permission provision needs), then run provision again${awsWords}.`,
      { cause: error },
    );
  }
  if (THROTTLE_NAMES.has(name) || status === 429) {
    return new ProvisionError(
      'throttled',
      `AWS IoT throttled ${call.action}${where} even after retries: wait a minute and run provision again ` +
        '(a rerun reuses what was already created).',
      { cause: error },
    );
  }
  if (name === 'ResourceAlreadyExistsException') {
    return new ProvisionError(
      'conflict',
      `${capitalize(call.subject)} already exists${where} with different settings, so ${call.action} refused it: ` +
        'choose another --thing-name, or remove the existing one in the AWS IoT console, then run provision again.',
      { cause: error },
    );
  }
  if (NETWORK_CODES.has(shape.code ?? '') || NETWORK_CODES.has(name) || name === 'TimeoutError') {
    return new ProvisionError(
      'unreachable',
      `AWS IoT${where} could not be reached for ${call.action} (${shape.code ?? name}): check the network, ` +
        'DNS and any HTTPS proxy, then run provision again.',
      { cause: error },
    );
  }
  return new ProvisionError(
    'unexpected',
    `${call.action} on ${call.subject}${where} failed with ${name || 'an unknown error'}${awsWords}; ` +
      'fix the cause and run provision again (a rerun reuses what was already created).',
    { cause: error },
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
