import {
  AIMD_DECREASE_FACTOR,
  AIMD_INCREASE_PER_ROUND,
  FAN_OUT_MAX_CONCURRENCY,
  FAN_OUT_MIN_CONCURRENCY,
} from '../config.js';

/** The knobs of the adaptive limit; the defaults are config.ts's constants. */
export interface AimdSettings {
  initial: number;
  min: number;
  max: number;
  decreaseFactor: number;
  increasePerRound: number;
}

/** AIMD with config.ts's constants, starting at `initial`. */
export function defaultAimdSettings(initial: number): AimdSettings {
  return {
    initial,
    min: FAN_OUT_MIN_CONCURRENCY,
    max: FAN_OUT_MAX_CONCURRENCY,
    decreaseFactor: AIMD_DECREASE_FACTOR,
    increasePerRound: AIMD_INCREASE_PER_ROUND,
  };
}

/** How many posts one fan-out may have in flight, fed by how each post ended. */
export interface ConcurrencyLimit {
  /** Posts allowed in flight now: a whole number between the settings' min and max. */
  readonly current: number;
  /** A post was accepted: grow by `increasePerRound / limit` (so by `increasePerRound` per round of posts). */
  onAccepted(): void;
  /**
   * A post that started at `startedAt` was throttled at `at` (same clock; or timed out: the fan-out treats an
   * overloaded endpoint like a throttle): cut the limit by `decreaseFactor`,
   * unless the post started before the last cut: the 429s of posts already in flight then report the
   * overload that cut answered, and cutting again for each of them would collapse the limit to its minimum.
   */
  onThrottled(startedAt: number, at: number): void;
}

/**
 * Additive-increase / multiplicative-decrease, as TCP does for its window: the limit settles just under the
 * rate at which the account's `@connections` throttle starts answering 429. Pure: the caller gives the times.
 */
export function createAimdLimit(settings: AimdSettings): ConcurrencyLimit {
  const clamp = (value: number) => Math.min(settings.max, Math.max(settings.min, value));
  let limit = clamp(settings.initial);
  let lastCutAt = Number.NEGATIVE_INFINITY;
  return {
    get current() {
      return Math.floor(limit);
    },
    onAccepted() {
      limit = clamp(limit + settings.increasePerRound / limit);
    },
    onThrottled(startedAt, at) {
      if (startedAt < lastCutAt) return;
      limit = clamp(limit * settings.decreaseFactor);
      lastCutAt = at;
    },
  };
}

/**
 * One limit and the attempts it admits, shared by every fan-out through the same gateway: in a warm Lambda
 * the limit learnt from the 429s of one publish carries over to the next (the account's rate is shared), and on
 * the local stack, where every invocation runs in one process, concurrent publishes share the one budget
 * instead of each bringing its own 256 posts in flight (which overloads serverless-offline into timeouts).
 */
export interface PostPacer {
  readonly limit: ConcurrencyLimit;
  /** Waits until fewer than `limit.current` attempts are in flight, then counts this one in. */
  admit(): Promise<void>;
  /** Counts an attempt out and admits the next waiting ones. */
  release(): void;
}

/** A PostPacer over a new AIMD limit. */
export function createPostPacer(settings: AimdSettings): PostPacer {
  const limit = createAimdLimit(settings);
  let active = 0;
  const waiting: Array<() => void> = [];
  return {
    limit,
    admit() {
      if (active < limit.current && waiting.length === 0) {
        active++;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    release() {
      active--;
      while (waiting.length > 0 && active < limit.current) {
        active++;
        waiting.shift()?.();
      }
    },
  };
}
