import type { Notice } from './types.js';

/** What the retained requests need from the client. */
export interface RetainedDeps<L> {
  nextId(): string;
  send(link: L, frame: object): boolean;
  notice(notice: Notice): void;
}

/**
 * Asks for the retained last values of the filters a link was opened with (API Gateway cannot post during
 * `$connect`, so the bridge cannot send them by itself), and turns the answers into notices: an older
 * bridge's `unknown_action` stops the requests for good; a cut answer or an error is told once per filter.
 * The frames themselves arrive as publish frames marked `"replay":"retained"`.
 */
export class RetainedRequests<L> {
  /** Request id → the filter and link it went out for. */
  readonly #requests = new Map<string, { filter: string; link: L }>();
  readonly #told = new Set<string>();
  #unsupported = false;
  readonly #deps: RetainedDeps<L>;
  readonly #enabled: boolean;

  constructor(deps: RetainedDeps<L>, enabled: boolean) {
    this.#deps = deps;
    this.#enabled = enabled;
  }

  /** A link opened with `filters` in its URL: one `retained` request each. */
  opened(link: L, filters: ReadonlySet<string>): void {
    if (!this.#enabled || this.#unsupported) return;
    for (const filter of filters) {
      const id = this.#deps.nextId();
      if (this.#deps.send(link, { action: 'retained', topic: filter, id }))
        this.#requests.set(id, { filter, link });
    }
  }

  /** The `retained` summary (the frames follow it); false when it answers no request of ours. */
  answered(reply: { id?: string; topic: string; truncated?: boolean }): boolean {
    if (reply.id === undefined || !this.#requests.delete(reply.id)) return false;
    if (reply.truncated === true) this.truncated(reply.topic);
    return true;
  }

  /** More retained values matched `filter` than the bridge sends at once (also said by `subscribed`). */
  truncated(filter: string): void {
    this.#tellOnce(`truncated ${filter}`, {
      code: 'retained_truncated',
      filter,
      reason: `more retained values match "${filter}" than the bridge sends at once; the newest came`,
    });
  }

  /** An error frame naming request `id`; false when it is not one of ours. */
  error(id: string, code: string, reason: string): boolean {
    const request = this.#requests.get(id);
    if (request === undefined) return false;
    this.#requests.delete(id);
    if (code === 'unknown_action') {
      this.#unsupported = true;
      this.#tellOnce('unsupported', {
        code: 'retained_unsupported',
        reason:
          'the bridge does not know the "retained" action (an older version): no retained values on connect',
      });
    } else {
      this.#tellOnce(`failed ${request.filter}`, {
        code: 'retained_failed',
        filter: request.filter,
        reason: `the retained values of "${request.filter}" were refused (${code}): ${reason}`,
      });
    }
    return true;
  }

  /** A link ended: its requests will not be answered. */
  linkEnded(link: L): void {
    for (const [id, request] of this.#requests) if (request.link === link) this.#requests.delete(id);
  }

  #tellOnce(key: string, notice: Notice): void {
    if (this.#told.has(key)) return;
    this.#told.add(key);
    this.#deps.notice(notice);
  }
}
