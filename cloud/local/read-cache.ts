/**
 * The local stack's replay of dynalite's read answers. dynalite spends ~1.6 ms of CPU per index Query on this
 * machine (docs/RELIABILITY.md, "Load"), and a publish sends 3; at the load run's 100 publishes/s that is half a
 * core, in the same 2 cores as serverless-offline. Most of those Queries repeat one another byte for byte: the
 * wildcard keys of a topic's first level (`$wildcard/load#0`) are read by every publish under it, with the same
 * `:now` for a whole second. An answer to a read can be replayed as long as nothing was written since: dynalite
 * is deterministic and implements no TTL, so its answer depends only on the request and the stored data.
 *
 * The rule, conservative: only Query, GetItem, Scan and BatchGetItem answered 200 are kept; every other
 * operation (any write, any control-plane call) empties the cache when it arrives and again when it completes,
 * and an answer is kept only if no other operation arrived or was in flight while it was computed. The key is
 * the operation, the body, the content type and the request's authorization minus its signature (so a request
 * dynalite would refuse for its headers is never answered from an accepted one). Deployed, nothing of this
 * exists: DynamoDB serves every read. Only the local store's CPU changes; what the handlers receive does not.
 */

/** Operations whose 200 answers may be replayed. */
export const REPLAYABLE_OPERATIONS: ReadonlySet<string> = new Set([
  'Query',
  'GetItem',
  'Scan',
  'BatchGetItem',
]);

/**
 * Answers kept at most; past it the cache starts again empty. Keys carry `:now` (epoch seconds), so they churn
 * every second: a few hundred distinct reads per second at the load run's rate.
 */
export const READ_CACHE_MAX_ENTRIES = 2_000;

/** One kept answer: what dynalite sent, minus its per-request id. */
export interface CachedAnswer {
  body: string;
  contentType: string;
  crc32: string;
}

/** What the request carries that dynalite's answer depends on. */
export interface ReadRequest {
  operation: string;
  body: string;
  contentType: string;
  authorization: string;
  hasDate: boolean;
}

/** The key of a replayable read, or undefined when the request may not be answered from the cache. */
export function readKey(request: ReadRequest): string | undefined {
  if (!REPLAYABLE_OPERATIONS.has(request.operation) || !request.hasDate) return undefined;
  if (!request.authorization.startsWith('AWS4-')) return undefined;
  const unsigned = request.authorization.replace(/Signature=[0-9a-fA-F]*/, '');
  return `${request.operation}\n${request.contentType}\n${unsigned}\n${request.body}`;
}

/** The cache and the bookkeeping that keeps it exact: a generation bumped by every non-replayable operation. */
export class ReadCache {
  private readonly answers = new Map<string, CachedAnswer>();
  private generation = 0;
  private othersInFlight = 0;
  hits = 0;
  misses = 0;

  /** A kept answer for `key`, counted as a hit or a miss. */
  lookup(key: string): CachedAnswer | undefined {
    const answer = this.answers.get(key);
    if (answer === undefined) this.misses++;
    else this.hits++;
    return answer;
  }

  /**
   * A read is about to be computed; `keep` stores its answer later if nothing else happened meanwhile (the
   * generation is unchanged and no other operation was in flight when it arrived).
   */
  beginRead(key: string): (answer: CachedAnswer) => void {
    const generation = this.generation;
    const clean = this.othersInFlight === 0;
    return (answer) => {
      if (!clean || generation !== this.generation || this.othersInFlight > 0) return;
      if (this.answers.size >= READ_CACHE_MAX_ENTRIES) this.answers.clear();
      this.answers.set(key, answer);
    };
  }

  /** Any other operation arrived (it may write): forget everything; call the result when it has been answered. */
  beginOther(): () => void {
    this.othersInFlight++;
    this.invalidate();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.othersInFlight--;
      this.invalidate();
    };
  }

  private invalidate(): void {
    this.generation++;
    this.answers.clear();
  }
}
