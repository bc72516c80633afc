import {
  isReplyFrame,
  type JsonValue,
  type PublishFrame,
  parseServerFrame,
  type ReceivedReplyFrame,
  validateConnectFilters,
  validateFrameId,
  validateTopicFilter,
} from '@topic-bridge/shared-types';
import { keepBridgeConnection } from './bridge-keeper.js';
import { CatchUp } from './catch-up.js';
import {
  DEFAULT_MAX_CATCH_UP_PAGES,
  MAX_HELD_FRAMES,
  type ResolvedOptions,
  resolveOptions,
} from './config.js';
import { Emitter } from './emitter.js';
import { encodePublish } from './encode.js';
import {
  BridgeRejectionError,
  ClientClosedError,
  ClientConfigError,
  type ClientErrorCode,
  InvalidArgumentError,
  TopicBridgeClientError,
} from './errors.js';
import type { ConnectionKeeper } from './keeper.js';
import type { Link } from './link.js';
import { PendingPublishes } from './publishes.js';
import { RecentIds } from './recent-ids.js';
import { RetainedRequests } from './retained-requests.js';
import { type Change, Subscriptions } from './subscriptions.js';
import type {
  ClientEvents,
  ConnectionState,
  ConnectOptions,
  PublishOptions,
  PublishResult,
  ReplayKind,
  TopicBridgeClient,
} from './types.js';

const RAW_SHOWN_CHARS = 1_000;

/** Connects to a topic-bridge; the client reconnects, pings and renews on its own until `close()`. */
export function connect(options: ConnectOptions): TopicBridgeClient {
  return new BridgeClient(resolveOptions(options));
}

class BridgeClient implements TopicBridgeClient {
  #state: ConnectionState = 'connecting';
  #counter = 0;
  readonly #idPrefix: string;
  readonly #options: ResolvedOptions;
  readonly #emitter = new Emitter();
  readonly #recent: RecentIds;
  readonly #subscriptions: Subscriptions;
  readonly #publishes: PendingPublishes;
  readonly #keeper: ConnectionKeeper<Link>;
  readonly #retained: RetainedRequests<Link>;
  readonly #catchUp: CatchUp<Link>;

  constructor(options: ResolvedOptions) {
    const filters = validateConnectFilters(options.topics);
    if (!filters.ok) throw new ClientConfigError('topics', filters.error.reason);
    this.#options = options;
    this.#idPrefix = randomPrefix(options.random);
    this.#recent = new RecentIds(options.dedupCapacity);
    this.#subscriptions = new Subscriptions(filters.value);
    this.#publishes = new PendingPublishes(
      options.timers,
      options.publishTimeoutMs,
      options.maxPendingPublishes,
    );
    const send = (link: Link, frame: object) => link.send(JSON.stringify(frame));
    const notice = this.#emitter.emit.bind(this.#emitter, 'notice');
    this.#retained = new RetainedRequests({ nextId: () => this.#nextId(), send, notice }, options.retained);
    this.#catchUp = new CatchUp(
      {
        timers: options.timers,
        now: options.now,
        nextId: () => this.#nextId(),
        active: () => this.#keeper.active,
        send,
        wanted: () => this.#subscriptions.list,
        deliver: (frame, replay) => this.#deliver(frame, replay),
        gap: (gap) => this.#emitter.emit('gap', gap),
        caughtUp: (done) => this.#emitter.emit('caught-up', done),
        notice,
      },
      {
        catchUp: options.catchUp,
        initial: options.history.initial,
        initialWindowMs: options.history.initialWindowMs,
        timeoutMs: options.historyTimeoutMs,
        maxPages: DEFAULT_MAX_CATCH_UP_PAGES,
        maxHeld: MAX_HELD_FRAMES,
      },
    );
    this.#keeper = keepBridgeConnection(
      { ...options, filters: () => this.#subscriptions.snapshot() },
      {
        dialing: () => {},
        opened: (link, renewed) => this.#onOpened(link, renewed),
        text: (link, raw) => this.#onText(link, raw),
        binary: () => this.#invalid('', 'a binary frame; the protocol uses text frames only'),
        ended: (link) => this.#onEnded(link),
        reconnecting: (reason, attempt, delayMs) => this.#setState('reconnecting', reason, attempt, delayMs),
        unauthorized: (reason, status, retryInMs) => this.#onUnauthorized(reason, status, retryInMs),
        report: (cause) => this.#reportInternal(cause),
      },
    );
    // Dialing waits for the caller's listeners: a refusal found before dialing (an expired token) is an event.
    queueMicrotask(() => this.#keeper.start());
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get filters(): readonly string[] {
    return this.#subscriptions.list;
  }

  on<K extends keyof ClientEvents>(event: K, listener: (payload: ClientEvents[K]) => void): () => void {
    return this.#emitter.on(event, listener);
  }

  off<K extends keyof ClientEvents>(event: K, listener: (payload: ClientEvents[K]) => void): void {
    this.#emitter.off(event, listener);
  }

  subscribe(filter: string): Promise<void> {
    return this.#change('subscribe', filter);
  }

  unsubscribe(filter: string): Promise<void> {
    return this.#change('unsubscribe', filter);
  }

  publish(topic: string, message: JsonValue, options: PublishOptions = {}): Promise<PublishResult> {
    if (this.#state === 'closed') return Promise.reject(new ClientClosedError());
    const checkedId = validateFrameId(options.id);
    if (!checkedId.ok) return rejectArgument(checkedId.error.code, checkedId.error.reason);
    const id = checkedId.value ?? this.#nextId();
    if (this.#publishes.has(id)) return rejectArgument('invalid_id', `a publish with id "${id}" is pending`);
    if (options.retain !== undefined && typeof options.retain !== 'boolean')
      return rejectArgument('invalid_field', `"retain" must be true or false, got ${String(options.retain)}`);
    const encoded = encodePublish(topic, message, id, options.retain);
    if (!encoded.ok) return rejectArgument(encoded.error.code, encoded.error.reason);
    const result = this.#publishes.add(id, encoded.text);
    this.#sendUnsent();
    return result;
  }

  reconnect(): void {
    this.#keeper.reconnect();
  }

  close(): void {
    if (this.#state === 'closed') return;
    void this.#keeper.stop();
    this.#setState('closed', 'close() was called', 0);
    this.#publishes.rejectAll();
    this.#subscriptions.rejectAll(new ClientClosedError());
    this.#catchUp.close();
  }

  #change(change: Change, filter: string): Promise<void> {
    if (this.#state === 'closed') return Promise.reject(new ClientClosedError());
    const checked = validateTopicFilter(filter);
    if (!checked.ok) return rejectArgument(checked.error.code, checked.error.reason);
    const { promise, frame } = this.#subscriptions.request(change, filter, this.#nextId());
    if (frame !== undefined) this.#keeper.active?.send(JSON.stringify(frame));
    if (change === 'unsubscribe') this.#catchUp.unsubscribed(filter);
    return promise;
  }

  #onOpened(link: Link, renewed: boolean): void {
    for (const frame of this.#subscriptions.reconcile(link.filters, () => this.#nextId())) {
      link.send(JSON.stringify(frame));
    }
    this.#sendUnsent();
    // The connect-time filters' retained values and missed frames: the bridge cannot send them by itself.
    const held = new Set([...link.filters].filter((filter) => this.#subscriptions.list.includes(filter)));
    this.#retained.opened(link, held);
    this.#catchUp.opened(held);
    this.#setState('open', renewed ? 'renewed before the 2-hour limit' : 'connected', 0);
  }

  #onEnded(link: Link): void {
    this.#retained.linkEnded(link);
    this.#catchUp.linkEnded(link);
    this.#sendUnsent();
  }

  #onUnauthorized(reason: string, status: number | undefined, retryInMs: number | undefined): void {
    const event = {
      reason,
      ...(status === undefined ? {} : { status }),
      ...(retryInMs === undefined ? {} : { retryInMs }),
    };
    this.#emitter.emit('unauthorized', event);
    // A refused renewal leaves the open link working: the state changes only when no link is left.
    if (this.#keeper.active === undefined) this.#setState('unauthorized', reason, 0);
  }

  #sendUnsent(): void {
    this.#publishes.sendUnsent(this.#keeper.active, this.#keeper.live());
  }

  #onText(link: Link, raw: string): void {
    const parsed = parseServerFrame(raw);
    if (!parsed.ok) {
      this.#invalid(raw, parsed.error.reason);
      return;
    }
    const frame = parsed.value;
    if (isReplyFrame(frame)) {
      this.#onReply(link, frame);
      return;
    }
    // Frames for a filter just unsubscribed may still be in flight: the caller asked not to get them.
    if (!this.#subscriptions.matches(frame.topic)) return;
    this.#catchUp.frame(link, frame, replayOf(frame));
  }

  /** Emits a frame as a `message`, unless a frame with its id was delivered already; true when emitted. */
  #deliver(frame: PublishFrame, replay: ReplayKind | undefined): boolean {
    const id = typeof frame.id === 'string' ? frame.id : undefined;
    if (id !== undefined && !this.#recent.add(id)) return false;
    const receivedAt = this.#options.now();
    const message = { topic: frame.topic, message: frame.message, id, frame, receivedAt };
    this.#emitter.emit('message', replay === undefined ? message : { ...message, replay });
    return true;
  }

  #onReply(link: Link, frame: ReceivedReplyFrame): void {
    switch (frame.type) {
      case 'ack':
        this.#publishes.ack(frame.id, frame.delivered, frame.failed);
        return;
      case 'subscribed':
        this.#subscriptions.confirm('subscribe', frame.topic);
        if (frame.retainedTruncated === true) this.#retained.truncated(frame.topic);
        // Its retained values follow the confirmation; they wait behind `history.initial`, if any.
        if (this.#subscriptions.list.includes(frame.topic)) this.#catchUp.subscribed(frame.topic);
        return;
      case 'unsubscribed':
        this.#subscriptions.confirm('unsubscribe', frame.topic);
        return;
      case 'retained':
        this.#retained.answered(frame);
        return;
      case 'history':
        this.#catchUp.summary(frame);
        return;
      case 'pong':
        this.#keeper.pong(link);
        return;
      case 'error': {
        const error = new BridgeRejectionError(frame.code, frame.reason);
        const id = frame.id;
        if (
          id !== undefined &&
          (this.#publishes.fail(id, error) ||
            this.#subscriptions.refuse(id, error) ||
            this.#retained.error(id, frame.code, frame.reason) ||
            this.#catchUp.error(id, frame.code, frame.reason))
        )
          return;
        this.#emitter.emit('error', error);
      }
    }
  }

  #invalid(raw: string, reason: string): void {
    this.#emitter.emit('invalid-frame', { raw: raw.slice(0, RAW_SHOWN_CHARS), reason });
  }

  #reportInternal(cause: unknown): void {
    this.#emitter.emit(
      'error',
      new TopicBridgeClientError('internal', `unexpected: ${String(cause)}`, { cause }),
    );
  }

  #setState(state: ConnectionState, reason: string, attempt: number, delayMs?: number): void {
    const previous = this.#state;
    // Every reconnect attempt is reported (with its delay); other states only when they change.
    if (previous === state && state !== 'reconnecting') return;
    this.#state = state;
    const change = { state, previous, attempt, reason };
    this.#emitter.emit('state', delayMs === undefined ? change : { ...change, delayMs });
  }

  #nextId(): string {
    this.#counter += 1;
    return `${this.#idPrefix}-${this.#counter.toString(36)}`;
  }
}

/** The `replay` mark of a frame from the bridge's storage; undefined for a live frame (or an unknown mark). */
function replayOf(frame: PublishFrame): ReplayKind | undefined {
  return frame.replay === 'retained' || frame.replay === 'history' ? frame.replay : undefined;
}

function rejectArgument(code: ClientErrorCode, reason: string): Promise<never> {
  return Promise.reject(new InvalidArgumentError(code, reason));
}

function randomPrefix(random: () => number): string {
  const part = () =>
    Math.floor(random() * 36 ** 6)
      .toString(36)
      .padStart(6, '0');
  return part() + part();
}
