import { WebSocket } from 'ws';
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

/** A client and everything it emitted. */
export interface RecordedClient {
  client: TopicBridgeClient;
  timers: ManualTimers;
  messages: ReceivedMessage[];
  states: StateChange[];
  errors: TopicBridgeClientError[];
  invalid: InvalidFrame[];
}

/** Connects a client over the real `ws` WebSocket with manual timers and a fixed random, recording its events. */
export function recordingClient(options: Partial<ConnectOptions> & { url: string }): RecordedClient {
  const timers = new ManualTimers();
  const client = connect({ WebSocket, timers, now: timers.now, random: () => 0.5, ...options });
  const recorded: RecordedClient = { client, timers, messages: [], states: [], errors: [], invalid: [] };
  client.on('message', (m) => recorded.messages.push(m));
  client.on('state', (s) => recorded.states.push(s));
  client.on('error', (e) => recorded.errors.push(e));
  client.on('invalid-frame', (f) => recorded.invalid.push(f));
  return recorded;
}
