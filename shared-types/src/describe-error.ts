/**
 * The one description of a thrown value for log lines, used by the cloud and the device agent alike (issue 9:
 * the two packages had one each, with different outputs). Readable on one line: `Name: message`, then each
 * cause as `; caused by Name: message`, so a log line says what failed and why without a stack.
 */

/** Causes followed at most (a chain longer than this ends with `; caused by …`). */
export const DESCRIBE_ERROR_MAX_CAUSES = 5;

/** At most this many of an AggregateError's errors are described (Node's connect errors carry one per address). */
export const DESCRIBE_ERROR_MAX_AGGREGATED = 3;

/**
 * One line for any thrown value: `TypeError: boom`, `StoreUnavailableError: Query failed; caused by Error:
 * connect ECONNREFUSED 127.0.0.1:8000`. A cause whose text the message already quotes is not repeated; a value
 * that is not an Error is shown as a string (objects as JSON).
 */
export function describeError(error: unknown): string {
  const parts = [describeOne(error)];
  const seen = new Set<unknown>([error]);
  let current = error;
  for (let depth = 0; ; depth++) {
    const cause = causeOf(current);
    if (cause === undefined || seen.has(cause)) break;
    if (depth === DESCRIBE_ERROR_MAX_CAUSES) {
      parts.push('…');
      break;
    }
    seen.add(cause);
    const described = describeOne(cause);
    const quoted = messageOf(cause);
    // PostFailedError and the like quote their cause's message already: say it once.
    if (quoted === '' || !messageOf(current).includes(quoted)) parts.push(described);
    current = cause;
  }
  return parts.join('; caused by ');
}

function causeOf(error: unknown): unknown {
  return error instanceof Error ? error.cause : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : '';
}

function describeOne(error: unknown): string {
  if (!(error instanceof Error)) return describeValue(error);
  const code = (error as { code?: unknown }).code;
  // Node's network errors sometimes carry only a code (an AggregateError from a dual-stack connect has no message).
  const message = error.message || (typeof code === 'string' ? code : '');
  const head = message === '' ? error.name : `${error.name}: ${message}`;
  if (!(error instanceof AggregateError) || error.errors.length === 0) return head;
  const shown = error.errors.slice(0, DESCRIBE_ERROR_MAX_AGGREGATED).map(describeOne);
  const more = error.errors.length - shown.length;
  return `${head} [${shown.join(', ')}${more > 0 ? `, and ${more} more` : ''}]`;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // A cycle or a BigInt inside: the tag is all we can say.
    return Object.prototype.toString.call(value);
  }
}
