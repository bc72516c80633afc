import { resolve } from 'node:path';

/** The WebSocket port of `npm start` when TOPIC_BRIDGE_WS_PORT is unset (serverless-offline's usual one). */
export const DEFAULT_WS_PORT = 3001;

/** The onMessage variant of `npm start` when TOPIC_BRIDGE_ON_MESSAGE is unset: the deployed default. */
export const DEFAULT_ON_MESSAGE = 'query';

/** The onMessage variants: how `$default` finds a topic's subscribers. */
export const ON_MESSAGE_VARIANTS = ['query', 'scan'] as const;

/** What `npm start` runs with. */
export interface StartSettings {
  wsPort: number;
  onMessage: (typeof ON_MESSAGE_VARIANTS)[number];
  /** Absolute folder for DynamoDB data; undefined keeps it in memory. */
  dataDir: string | undefined;
}

/** Reads `npm start`'s environment; a bad value yields a message naming the variable and what it accepts. */
export function readStartSettings(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd(),
): { ok: true; settings: StartSettings } | { ok: false; problem: string } {
  const rawPort = env.TOPIC_BRIDGE_WS_PORT?.trim() || String(DEFAULT_WS_PORT);
  const wsPort = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || wsPort < 1 || wsPort > 65_535) {
    return {
      ok: false,
      problem: `TOPIC_BRIDGE_WS_PORT must be a port number from 1 to 65535; got "${rawPort}"`,
    };
  }
  const onMessage = env.TOPIC_BRIDGE_ON_MESSAGE?.trim() || DEFAULT_ON_MESSAGE;
  if (!(ON_MESSAGE_VARIANTS as readonly string[]).includes(onMessage)) {
    return {
      ok: false,
      problem: `TOPIC_BRIDGE_ON_MESSAGE must be "query" (topic index) or "scan" (whole table); got "${onMessage}"`,
    };
  }
  const dataDir = env.TOPIC_BRIDGE_DATA_DIR?.trim();
  return {
    ok: true,
    settings: {
      wsPort,
      onMessage: onMessage as StartSettings['onMessage'],
      dataDir: dataDir ? resolve(cwd, dataDir) : undefined,
    },
  };
}
