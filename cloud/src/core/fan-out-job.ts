import type { Result } from '@topic-bridge/shared-types';

/**
 * One page of a publish handed to the fan-out worker: the frame and the connections this page must reach.
 * Pages carry connection ids, not index cursors, because only the invocation that read the whole lookup can
 * list each connection once (a connection holding several matching filters appears under several keys).
 */
export interface FanOutJob {
  /** Marks the event as ours, so that a stray event is refused rather than misread. */
  kind: typeof FAN_OUT_JOB_KIND;
  /** A random id per publish; with `page` it names the page's progress record (idempotent retries). */
  publishId: string;
  /** 1, 2, …: this page's number within the publish (0 is what `$default` posted itself). */
  page: number;
  topic: string;
  /**
   * The `@connections` endpoint `$default` posted to (its API and stage), so the worker posts to the same one;
   * its role may post to this stage's connections only, whatever an event says.
   */
  endpoint: string;
  /** The frame exactly as the publisher sent it. */
  data: string;
  connectionIds: string[];
}

/** The `kind` of a FanOutJob event. */
export const FAN_OUT_JOB_KIND = 'topic-bridge.fan-out-page.v1';

/**
 * A FanOutJob as the worker's event carries it: the frame in base64, so that its size is known in advance
 * (4/3 of its bytes) whatever it holds; as JSON text a frame full of quotes and backslashes would double.
 */
export type FanOutEvent = Omit<FanOutJob, 'data'> & { dataBase64: string };

/** The event that carries a job. */
export function toFanOutEvent(job: FanOutJob): FanOutEvent {
  const { data, ...rest } = job;
  return { ...rest, dataBase64: Buffer.from(data, 'utf8').toString('base64') };
}

/** Hands pages to the worker; resolves once the page is accepted (queued), not once it is delivered. */
export interface FanOutDispatcher {
  dispatch(job: FanOutJob): Promise<void>;
}

/** Where a worker records how far it got in a page, so that a retried page resumes instead of repeating. */
export interface PageProgress {
  /** How many of the page's connections were already posted to (0 for a new page). */
  settled(publishId: string, page: number): Promise<number>;
  /** Records that the first `count` connections of the page were posted to. */
  record(publishId: string, page: number, count: number): Promise<void>;
}

/**
 * Lambda's payload limit for an asynchronous (`Event`) invocation: 256 KB. A page's event must fit, frame
 * included, so large frames get smaller pages.
 */
export const MAX_ASYNC_EVENT_BYTES = 256 * 1024;

/** Bytes an event needs besides its frame and ids (kind, ids, topic and JSON punctuation), with margin. */
const EVENT_OVERHEAD_BYTES = 2 * 1024;

/**
 * How many connections one page may carry for this frame: at most `maxPage`, and no more than fit in one
 * asynchronous event beside the frame (ids are counted at `maxIdBytes`, API Gateway's being 16).
 */
export function pageCapacity(topic: string, data: string, maxPage: number, maxIdBytes = 64): number {
  const base64Bytes = Math.ceil(Buffer.byteLength(data) / 3) * 4;
  const fixed = base64Bytes + Buffer.byteLength(JSON.stringify(topic)) + EVENT_OVERHEAD_BYTES;
  const room = Math.floor((MAX_ASYNC_EVENT_BYTES - fixed) / (maxIdBytes + 3));
  return Math.max(1, Math.min(maxPage, room));
}

/** Checks that an event is a FanOutEvent and decodes its job; never throws. */
export function parseFanOutJob(event: unknown): Result<FanOutJob, { reason: string }> {
  const fail = (reason: string) => ({ ok: false as const, error: { reason } });
  if (typeof event !== 'object' || event === null) return fail('the event is not an object');
  const job = event as Record<string, unknown>;
  if (job.kind !== FAN_OUT_JOB_KIND) return fail(`the event's kind is not "${FAN_OUT_JOB_KIND}"`);
  if (typeof job.publishId !== 'string' || job.publishId === '') return fail('"publishId" must be a string');
  if (!Number.isSafeInteger(job.page) || (job.page as number) < 1)
    return fail('"page" must be a whole number ≥ 1');
  if (typeof job.topic !== 'string' || typeof job.dataBase64 !== 'string') {
    return fail('"topic" and "dataBase64" must be strings');
  }
  if (typeof job.endpoint !== 'string' || !URL.canParse(job.endpoint))
    return fail('"endpoint" must be a URL');
  const ids = job.connectionIds;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string' && id !== '')) {
    return fail('"connectionIds" must be an array of connection ids');
  }
  const { dataBase64, ...rest } = job;
  const data = Buffer.from(dataBase64 as string, 'base64').toString('utf8');
  return { ok: true, value: { ...(rest as Omit<FanOutJob, 'data'>), data } };
}
