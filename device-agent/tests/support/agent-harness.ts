import { PassThrough } from 'node:stream';
import WebSocket from 'ws';
import { type Agent, createAgent } from '../../src/agent.js';
import { type AgentConfig, formatProblems, loadConfig } from '../../src/config.js';
import type { WebSocketConstructor } from '../../src/link/ws-link.js';
import { type AgentLogger, createLogger, type LogLevel, silentLogger } from '../../src/log.js';
import { type ScriptServer, startScriptServer } from './script-server.js';
import { tempDir } from './temp-dir.js';

/** A validated agent configuration from flags (as `device-agent run --flag …` would build it), no inputs. */
export async function agentConfig(flags: Record<string, string>): Promise<AgentConfig> {
  const loaded = await loadConfig({ env: {}, flags, validateInputs: () => ({ ok: true, value: [] }) });
  if (!loaded.ok) throw new Error(formatProblems(loaded.problems));
  return loaded.config;
}

/**
 * A WebSocket class whose connections go nowhere while the gate is closed, so a test decides when the agent
 * may reach the bridge again (for instance only after its own subscriber has reconnected).
 */
export function gatedWebSocket(): {
  WebSocket: WebSocketConstructor;
  gate: { open: boolean };
  deadUrl: string;
} {
  const gate = { open: true };
  const deadUrl = 'ws://127.0.0.1:9/unreachable';
  class Gated extends WebSocket {
    constructor(url: string, protocols?: string | string[], options?: WebSocket.ClientOptions) {
      super(gate.open ? url : deadUrl, protocols, options);
    }
  }
  return { WebSocket: Gated, gate, deadUrl };
}

/** An agent with no inputs (the test emits readings itself) and a silent logger. */
export function testAgent(config: AgentConfig, WebSocketClass?: WebSocketConstructor): Agent {
  return createAgent({
    config,
    inputs: [],
    logger: silentLogger(),
    ...(WebSocketClass ? { WebSocket: WebSocketClass } : {}),
  });
}

/** A subscriber on the bridge that records every published frame it receives. */
export async function recordingSubscriber(
  url: string,
  filter: string,
): Promise<{ frames: Record<string, unknown>[]; close: () => void }> {
  const socket = new WebSocket(`${url}?topicName=${encodeURIComponent(filter)}`);
  const frames: Record<string, unknown>[] = [];
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Record<string, unknown>;
    if ('message' in frame) frames.push(frame);
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  return { frames, close: () => socket.terminate() };
}

/** One JSON log line of the agent, as written. */
export type LogLine = { level: number; msg: string; [field: string]: unknown };

/** A JSON logger at `level` whose lines are parsed into `logs` as they are written. */
export function capturedLogger(level: LogLevel): { logger: AgentLogger; logs: LogLine[] } {
  const stream = new PassThrough();
  const logs: LogLine[] = [];
  stream.on('data', (line: Buffer) => logs.push(JSON.parse(String(line))));
  return { logger: createLogger({ level, destination: stream }), logs };
}

/** A scripted bridge on port 0 and a fresh state directory, both removed by the `cleanups` the caller runs. */
export async function scriptedBridgeAndDir(
  cleanups: (() => Promise<void>)[],
  dirPrefix: string,
): Promise<{ server: ScriptServer; dir: string }> {
  const server = await startScriptServer();
  cleanups.push(() => server.close());
  const { dir, remove } = await tempDir(dirPrefix);
  cleanups.push(remove);
  return { server, dir };
}
