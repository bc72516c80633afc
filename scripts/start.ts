/**
 * `npm start`: the whole bridge on this machine. dynalite (DynamoDB, in memory unless TOPIC_BRIDGE_DATA_DIR
 * is set) and serverless-offline running our own serverless.yml, on ws://127.0.0.1:TOPIC_BRIDGE_WS_PORT (and
 * HTTP publish on http://127.0.0.1:TOPIC_BRIDGE_HTTP_PORT/publish);
 * the dashboard on http://127.0.0.1:TOPIC_BRIDGE_DASHBOARD_PORT/; and, unless TOPIC_BRIDGE_DEMO=false, a
 * simulated device agent publishing under `demo/`, so that the dashboard shows live data at once. It prints
 * a ready block, then a summary line per interval and every warning or error (cloud/local/start-log.ts).
 * A composition root only: each part lives in its package and is started from here.
 */
import { pathToFileURL } from 'node:url';
import { isPortFree } from '../cloud/local/free-port.js';
import { readyBlock, readyLines } from '../cloud/local/ready-block.js';
import { type LocalStack, startLocalStack } from '../cloud/local/stack.js';
import { prepareStartAuth, type StartAuth, withToken } from '../cloud/local/start-auth.js';
import { createStartLog } from '../cloud/local/start-log.js';
import { readStartSettings, type StartSettings } from '../cloud/local/start-settings.js';
import { type DashboardServer, startDashboardServer } from '../dashboard/server/serve.js';
import { type DemoAgent, startDemoAgent } from './demo-agent.js';

/** Exit code for a bad setting (an environment variable, a busy port): fix it and run again. */
export const EXIT_BAD_SETTINGS = 2;

/** Exit code when the stack itself failed to start. */
export const EXIT_START_FAILED = 1;

/** Where `main` writes: people read both streams. */
export interface Output {
  info(line: string): void;
  error(line: string): void;
}

const consoleOutput: Output = { info: (line) => console.log(line), error: (line) => console.error(line) };

/** The parts that run beside the stack; each is stopped before the stack. */
interface Extras {
  dashboard: DashboardServer;
  demo: DemoAgent | undefined;
}

async function startExtras(stack: LocalStack, settings: StartSettings, auth: StartAuth): Promise<Extras> {
  const dashboard = await startDashboardServer({ port: settings.dashboardPort, bridgeUrl: stack.wsUrl });
  try {
    const demo = settings.demo ? await startDemoAgent(withToken(stack.wsUrl, auth)) : undefined;
    return { dashboard, demo };
  } catch (error) {
    await dashboard.stop();
    throw error;
  }
}

async function stopAll(stack: LocalStack, extras: Extras | undefined): Promise<void> {
  await extras?.demo?.stop().catch(() => undefined);
  await extras?.dashboard.stop().catch(() => undefined);
  await stack.stop();
}

/**
 * Resolves with the first of these signals. The listeners stay: a second Ctrl-C (or tsx relaying the same
 * one again) must not kill the process half-way through a clean stop, which is bounded anyway.
 */
function firstSignal(signals: NodeJS.Signals[]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of signals) process.on(signal, () => resolve(signal));
  });
}

/**
 * Starts the local stack from the environment, prints the ready line, and stops everything on SIGINT or
 * SIGTERM. Returns the exit code.
 */
export async function main(
  env: NodeJS.ProcessEnv = process.env,
  out: Output = consoleOutput,
): Promise<number> {
  const read = readStartSettings(env);
  if (!read.ok) {
    out.error(`npm start: ${read.problem}.`);
    return EXIT_BAD_SETTINGS;
  }
  const settings = read.settings;
  const { wsPort, httpPort, onMessage, dataDir } = settings;
  for (const [port, name] of [
    [wsPort, 'TOPIC_BRIDGE_WS_PORT'],
    [httpPort, 'TOPIC_BRIDGE_HTTP_PORT'],
    [settings.dashboardPort, 'TOPIC_BRIDGE_DASHBOARD_PORT'],
  ] as const) {
    if (!(await isPortFree(port))) {
      out.error(
        `npm start: port ${port} on 127.0.0.1 is in use. Stop what uses it, or set ${name} to a free port.`,
      );
      return EXIT_BAD_SETTINGS;
    }
  }
  const prepared = await prepareStartAuth(env);
  if (!prepared.ok) {
    out.error(`npm start: ${prepared.problem}.`);
    return EXIT_BAD_SETTINGS;
  }
  const auth = prepared.auth;
  for (const notice of auth.notices) (auth.mode === 'off' ? out.error : out.info)(`topic-bridge: ${notice}`);
  // The local emulation runs on this machine's Node (20+); deployed handlers run on nodejs22.x.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stopped = firstSignal(['SIGINT', 'SIGTERM']);
  // The handlers' own JSON log lines become summaries (each one shown at debug); serverless's chatter is dropped.
  const log = createStartLog({
    level: settings.logLevel,
    intervalMs: settings.summarySeconds * 1000,
    info: (line) => out.info(line),
    error: (line) => out.error(line),
  });
  const starting = startLocalStack({
    wsPort,
    httpPort,
    onMessage,
    ...(dataDir === undefined ? {} : { dataDir }),
    ...(auth.mode === 'on' ? { auth: { secret: auth.secret } } : {}),
    logLevel: settings.logLevel,
    ...(settings.historyTopics.length === 0 ? {} : { history: { topics: settings.historyTopics } }),
    log: (line) => log.accept(line),
  });
  let stack: LocalStack;
  try {
    const first = await Promise.race([starting, stopped]);
    if (typeof first === 'string') {
      out.info(`topic-bridge: ${first} received while starting, stopping…`);
      await starting.then((started) => started.stop()).catch(() => undefined);
      return 0;
    }
    stack = first;
  } catch (error) {
    out.error(`npm start: the local stack did not start: ${error instanceof Error ? error.message : error}`);
    return EXIT_START_FAILED;
  }
  let extras: Extras;
  try {
    extras = await startExtras(stack, settings, auth);
  } catch (error) {
    out.error(
      `npm start: the dashboard or the demo agent did not start: ${error instanceof Error ? error.message : error}`,
    );
    await stack.stop();
    return EXIT_START_FAILED;
  }
  for (const line of readyBlock(stack, settings, readyLines(stack, extras.dashboard.url, auth)))
    out.info(line);
  log.startSummaries();
  const signal = await stopped;
  log.stop();
  out.info(`topic-bridge: ${signal} received, stopping…`);
  await stopAll(stack, extras);
  out.info('topic-bridge: stopped.');
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exit(await main());
}
