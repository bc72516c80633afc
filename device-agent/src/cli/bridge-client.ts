import {
  type ConnectOptions,
  connect,
  DEFAULT_TOKEN_TRANSPORT,
  type TokenTransport,
  type TopicBridgeClient,
} from '@topic-bridge/client';
import type { Argv } from 'yargs';
import { AgentError, ConnectError, UsageError } from '../errors.js';
import { bridgeTokenSource } from '../link/token-source.js';
import type { CliIo } from './io.js';

/** Default connect timeout of the one-shot commands. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** The options every command that talks to the bridge takes. */
export interface BridgeArgs {
  url: string;
  token?: string;
  'token-file'?: string;
  'token-transport': TokenTransport;
  'timeout-ms': number;
}

/** Adds `--url`, `--token`, `--token-file`, `--token-transport` and `--timeout-ms` (described with `timeoutHelp`). */
export function withBridgeOptions(yargs: Argv, timeoutHelp: string): Argv {
  return yargs
    .option('url', { type: 'string', demandOption: true, describe: 'Bridge WebSocket URL (ws:// or wss://)' })
    .option('token', {
      type: 'string',
      describe: 'Bearer token (a JWT); prefer --token-file, since other users can see command lines',
    })
    .option('token-file', { type: 'string', describe: 'File holding the token, read before every connect' })
    .option('token-transport', {
      choices: ['protocol', 'query'],
      default: DEFAULT_TOKEN_TRANSPORT,
      describe: 'protocol: Sec-WebSocket-Protocol header; query: ?token= (recorded by access logs)',
    })
    .option('timeout-ms', { type: 'number', default: DEFAULT_CONNECT_TIMEOUT_MS, describe: timeoutHelp });
}

/** Checks the shared options; a bad one is a UsageError naming it. */
export function checkBridgeArgs(args: BridgeArgs): void {
  if (!/^wss?:\/\//.test(args.url) || !URL.canParse(args.url))
    throw new UsageError(`--url must be a ws:// or wss:// URL, got "${args.url}"`);
  if (args.token !== undefined && args['token-file'] !== undefined)
    throw new UsageError('give --token or --token-file, not both');
  const timeout = args['timeout-ms'];
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new UsageError('--timeout-ms must be a positive number');
}

/**
 * A client of the bridge (the library's, with its reconnects, pings and renewals), resolved once its first
 * connection is open. The first connection failing is a ConnectError that says what to check; a refused
 * token is one too, naming the token options. Later losses are reconnected by the client itself.
 */
export async function openBridgeClient(
  io: CliIo,
  args: BridgeArgs,
  options: Partial<ConnectOptions> = {},
): Promise<TopicBridgeClient> {
  const token = bridgeTokenSource({ token: args.token, tokenFile: args['token-file'] });
  const client = connect({
    ...options,
    url: args.url,
    WebSocket: io.WebSocket,
    tokenTransport: args['token-transport'],
    connectTimeoutMs: args['timeout-ms'],
    ...(token === undefined ? {} : { token }),
  });
  const where = args.url;
  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new AgentError('link_closed', 'interrupted before the connection opened'));
      io.signal.addEventListener('abort', onAbort, { once: true });
      const settle = (outcome: () => void) => {
        io.signal.removeEventListener('abort', onAbort);
        stopState();
        stopRefusal();
        outcome();
      };
      const stopState = client.on('state', ({ state, reason }) => {
        if (state === 'open') settle(resolve);
        if (state === 'reconnecting') {
          const message = `cannot connect to ${where}: ${reason}. Check the URL and that the bridge is running.`;
          settle(() => reject(new ConnectError(message)));
        }
      });
      const stopRefusal = client.on('unauthorized', ({ reason }) => {
        const message = `cannot connect to ${where}: ${reason}. Check --token or --token-file (and that the token grants these topics).`;
        settle(() => reject(new ConnectError(message)));
      });
    });
  } catch (error) {
    client.close();
    throw error;
  }
  return client;
}
