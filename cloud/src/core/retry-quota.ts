import type { PostErrorCode } from '../errors.js';

/**
 * Tokens a retry quota starts with and never exceeds: the AWS SDKs' standard retry mode uses the same
 * figures (500; a retry costs 5, a retry after a timeout 10; a success without retry gives 1 back).
 */
export const RETRY_QUOTA_CAPACITY = 500;
/** Cost of retrying a post that failed with a response or a reset. */
export const RETRY_COST = 5;
/** Cost of retrying a post that timed out: dearer, since a timed-out post has often arrived already. */
export const TIMEOUT_RETRY_COST = 10;
/** Tokens a post delivered at its first attempt gives back. */
export const SUCCESS_REFUND = 1;

/**
 * Bounds retries when most posts fail, so that retrying never multiplies the load of a struggling
 * `@connections` endpoint (observed locally: an overloaded stack timed out nearly every post at 3 s although
 * it had delivered it, and retrying each one doubled the work and delivered every frame twice). Sparse
 * failures (the fault suite's 10%) never drain it: each delivered post refunds a token. Made once per cold
 * start and shared by every publish of the instance.
 */
export class RetryQuota {
  #tokens: number;

  constructor(readonly capacity: number = RETRY_QUOTA_CAPACITY) {
    this.#tokens = capacity;
  }

  /** Tokens left. */
  get tokens(): number {
    return this.#tokens;
  }

  /** Takes the cost of one retry after `code`; false (nothing taken) when the quota cannot pay for it. */
  tryAcquire(code: PostErrorCode): number | undefined {
    const cost = code === 'timeout' ? TIMEOUT_RETRY_COST : RETRY_COST;
    if (this.#tokens < cost) return undefined;
    this.#tokens -= cost;
    return cost;
  }

  /** A post was delivered: gives back what its retries cost, or SUCCESS_REFUND when it needed none. */
  release(paid: number): void {
    this.#tokens = Math.min(this.capacity, this.#tokens + (paid > 0 ? paid : SUCCESS_REFUND));
  }
}
