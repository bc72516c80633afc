import type { WebSocket } from 'ws';
import {
  type ConnectOptions,
  connect,
  type InvalidFrame,
  type ReceivedMessage,
  type StateChange,
  type TopicBridgeClient,
  type TopicBridgeClientError,
} from '../../src/index.js';
import { ManualTimers } from './manual-timers.js';
import { tappedWebSocket } from './tapped-web-socket.js';

/** A client and everything it emitted. */
export interface RecordedClient {
  client: TopicBridgeClient;
  timers: ManualTimers;
  messages: ReceivedMessage[];
  states: StateChange[];
  errors: TopicBridgeClientError[];
  invalid: InvalidFrame[];
  /** Every socket the client made, in order (a `ws` WebSocket each), unless a WebSocket was passed in. */
  sockets: WebSocket[];
  /** Every text frame those sockets received, in order. */
  frames: string[];
}

/** Connects a client over real `ws` WebSockets with manual timers and a fixed random, recording its events. */
export function recordingClient(options: Partial<ConnectOptions> & { url: string }): RecordedClient {
  const timers = new ManualTimers();
  const tap = tappedWebSocket();
  const client = connect({
    WebSocket: tap.WebSocket,
    timers,
    now: timers.now,
    random: () => 0.5,
    ...options,
  });
  const recorded: RecordedClient = {
    client,
    timers,
    messages: [],
    states: [],
    errors: [],
    invalid: [],
    sockets: tap.sockets,
    frames: tap.frames,
  };
  client.on('message', (m) => recorded.messages.push(m));
  client.on('state', (s) => recorded.states.push(s));
  client.on('error', (e) => recorded.errors.push(e));
  client.on('invalid-frame', (f) => recorded.invalid.push(f));
  return recorded;
}
