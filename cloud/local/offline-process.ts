import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { LOCAL_HOST, PortInUseError, portInUseFrom } from './free-port.js';
import { createServiceCopy, SERVERLESS_BIN } from './service-copy.js';

/** Longest wait for serverless-offline to bundle the handlers and listen (5 to 10 s; over 20 s on a busy 2-core machine). */
export const OFFLINE_READY_TIMEOUT_MS = 60_000;

/** How long `stop()` lets serverless-offline shut down on SIGTERM before the process group is killed. */
export const OFFLINE_STOP_GRACE_MS = 3_000;

/** The same while profiling: writing a profile of a long run takes seconds on a busy machine, and SIGKILL loses it. */
export const OFFLINE_PROFILING_STOP_GRACE_MS = 30_000;

/** Lines of serverless-offline's output kept for error messages. */
const KEPT_OUTPUT_LINES = 40;

/**
 * Set to a folder, serverless-offline runs under `node --cpu-prof` (with the handlers bundled unminified) and
 * writes its CPU profile there when it stops (open it in Chrome DevTools; how to read it: docs/BENCHMARKS.md, "Local stack throughput").
 */
export const OFFLINE_CPU_PROFILE_DIR_ENV = 'TOPIC_BRIDGE_OFFLINE_CPU_PROF';

const EXIT_WITH_PARENT = new URL('./exit-with-parent.mjs', import.meta.url).href;
/** The local stack's fast path in front of serverless-offline's `POST /@connections` route (the file says why). */
const FAST_CONNECTIONS_ROUTE = new URL('./fast-connections-route.mjs', import.meta.url).href;
/** serverless-offline's debug logging off unless asked for (the file says why). */
const OFFLINE_DEBUG_LOG = new URL('./offline-debug-log.mjs', import.meta.url).href;

/** What serverless-offline is started with. */
export interface OfflineOptions {
  wsPort: number;
  httpPort: number;
  lambdaPort: number;
  onMessage: 'scan' | 'query';
  tableName: string;
  logLevel: string;
  /** `on`: the authorizer runs on `$connect` (its secret comes in handlerEnv as AUTH_SECRET). */
  authMode: 'on' | 'off';
  /** When set, tokens must carry this `aud` (the `authAudience` parameter). */
  authAudience?: string;
  /** When set, history is on for these filters (the history* parameters); absent, serverless.yml's default (off). */
  history?: { topics: readonly string[]; maxFrames?: number; maxAgeSeconds?: number };
  /** Extra environment for the handlers (they run in-process, with `localEnvironment: true`). */
  handlerEnv: Record<string, string>;
  log?: (line: string) => void;
  readyTimeoutMs?: number;
}

/** A running serverless-offline, ready for WebSocket connections and HTTP requests. */
export interface OfflineProcess {
  pid: number;
  /** Stops the whole process group (serverless, esbuild) and removes its private service folder. */
  stop(): Promise<void>;
}

/** Environment for serverless itself: offline, quiet, and never able to reach a real AWS account. */
function serverlessEnv(options: OfflineOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_PROFILE']) delete env[name];
  return {
    ...env,
    ...options.handlerEnv,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    // The local emulation runs on the developer's Node (20+); the deployed runtime is nodejs22.x.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TOPIC_BRIDGE_OFFLINE_WS_PORT: String(options.wsPort),
    TOPIC_BRIDGE_OFFLINE_HTTP_PORT: String(options.httpPort),
    TOPIC_BRIDGE_OFFLINE_LAMBDA_PORT: String(options.lambdaPort),
    // serverless.yml gives HTTP publish the deployed @connections URL, which would win over the handlers' own.
    ...(options.handlerEnv.CONNECTIONS_ENDPOINT === undefined
      ? {}
      : { TOPIC_BRIDGE_OFFLINE_CONNECTIONS_ENDPOINT: options.handlerEnv.CONNECTIONS_ENDPOINT }),
  };
}

/**
 * Starts serverless-offline on our serverless.yml, in a private service folder (so that concurrent stacks,
 * and `sls package` in the repository, never touch its build), and resolves once its WebSocket and HTTP ports listen.
 */
export async function startOffline(options: OfflineOptions): Promise<OfflineProcess> {
  const profileDir = process.env[OFFLINE_CPU_PROFILE_DIR_ENV];
  // A profile of a minified bundle names no function of ours.
  const service = await createServiceCopy({ unminified: Boolean(profileDir) });
  const args = [
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    '--import',
    EXIT_WITH_PARENT,
    '--import',
    FAST_CONNECTIONS_ROUTE,
    '--import',
    OFFLINE_DEBUG_LOG,
    SERVERLESS_BIN,
    'offline',
    'start',
    `--param=onMessage=${options.onMessage}`,
    `--param=tableName=${options.tableName}`,
    `--param=logLevel=${options.logLevel}`,
    `--param=auth=${options.authMode}`,
    ...(options.authAudience === undefined ? [] : [`--param=authAudience=${options.authAudience}`]),
    ...historyParams(options.history),
  ];
  // detached: a process group of its own, so that stop() ends it with every child and Ctrl-C on `npm start`
  // reaches it only through our own shutdown.
  const child = spawn(process.execPath, args, {
    cwd: service.dir,
    env: serverlessEnv(options),
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = trackOutput(child, options.log);
  const graceMs = profileDir ? OFFLINE_PROFILING_STOP_GRACE_MS : OFFLINE_STOP_GRACE_MS;
  const stop = () => stopProcessGroup(child, graceMs).finally(() => service.remove());
  try {
    await waitUntilListening(child, output, options);
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: child.pid ?? -1, stop };
}

function historyParams(history: OfflineOptions['history']): string[] {
  if (history === undefined) return [];
  return [
    `--param=historyTopics=${history.topics.join(',')}`,
    ...(history.maxFrames === undefined ? [] : [`--param=historyMaxFrames=${history.maxFrames}`]),
    ...(history.maxAgeSeconds === undefined ? [] : [`--param=historyMaxAgeSeconds=${history.maxAgeSeconds}`]),
  ];
}

interface OutputTracker {
  recent: string[];
  onLine(listener: (line: string) => void): () => void;
}

function trackOutput(child: ChildProcess, log?: (line: string) => void): OutputTracker {
  const recent: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const onLine = (line: string) => {
    if (line.trim() === '') return;
    recent.push(line);
    if (recent.length > KEPT_OUTPUT_LINES) recent.shift();
    log?.(line);
    for (const listener of listeners) listener(line);
  };
  // Whole lines only: a chunk may end in the middle of one (the ready line included).
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', onLine);
  }
  return {
    recent,
    onLine(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function waitUntilListening(
  child: ChildProcess,
  output: OutputTracker,
  options: OfflineOptions,
): Promise<void> {
  // Printed once the WebSocket port accepts connections (the "[websocket] listening" line comes earlier), and
  // once the HTTP API (HTTP publish) does: the two servers start side by side, in either order.
  const waiting = new Set([
    `Offline [http for websocket] listening on http://${LOCAL_HOST}:${options.wsPort}`,
    `Server ready: http://${LOCAL_HOST}:${options.httpPort} `,
  ]);
  const timeoutMs = options.readyTimeoutMs ?? OFFLINE_READY_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const fail = (problem: string) => {
      cleanup();
      const tail = output.recent.map((line) => `  | ${line}`).join('\n');
      const message = `serverless-offline ${problem}\nIts last output:\n${tail || '  (none)'}`;
      const takenPort = portInUseFrom(output.recent);
      reject(takenPort === undefined ? new Error(message) : new PortInUseError(takenPort, message));
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(
        `exited before it was ready (code ${code}, signal ${signal}); are ports ${options.wsPort}, ${options.httpPort} and ${options.lambdaPort} free?`,
      );
    const timer = setTimeout(
      () =>
        fail(`was not listening on ports ${options.wsPort} and ${options.httpPort} after ${timeoutMs} ms.`),
      timeoutMs,
    );
    const stopListening = output.onLine((line) => {
      for (const ready of waiting) if (line.includes(ready)) waiting.delete(ready);
      if (waiting.size > 0) return;
      cleanup();
      resolve();
    });
    const cleanup = () => {
      clearTimeout(timer);
      stopListening();
      child.off('exit', onExit);
    };
    child.once('exit', onExit);
  });
}

async function stopProcessGroup(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  signalGroup(child.pid, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child.pid ?? 0, 'SIGKILL'), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
    // Children that outlived the leader (an esbuild service) go with the group.
    signalGroup(child.pid, 'SIGKILL');
    child.stdin?.destroy();
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}
