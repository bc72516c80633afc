import { buildConnectUrl, validateTopicFilter } from '@topic-bridge/shared-types';
import type { Argv, CommandModule } from 'yargs';
import { AgentError, UsageError } from '../errors.js';
import { connectOnce, DEFAULT_CONNECT_TIMEOUT_MS } from './connect.js';
import type { CliIo } from './io.js';

interface SubscribeArgs {
  url: string;
  topic: string[];
  count?: number;
  'timeout-ms': number;
}

/** Ping interval of `subscribe`, inside API Gateway's 10-minute idle timeout. */
const SUBSCRIBE_PING_MS = 60_000;

/** `device-agent subscribe`: print every frame received, one JSON line each. */
export function subscribeCommand(io: CliIo): CommandModule<object, SubscribeArgs> {
  return {
    command: 'subscribe',
    describe: 'Print every frame received on the given topic filters, one JSON line each',
    builder: (yargs: Argv) =>
      yargs
        .option('url', {
          type: 'string',
          demandOption: true,
          describe: 'Bridge WebSocket URL (ws:// or wss://)',
        })
        .option('topic', {
          type: 'string',
          array: true,
          demandOption: true,
          describe: 'Topic filter (+ and # wildcards); repeat for several',
        })
        .option('count', { type: 'number', describe: 'Exit 0 after this many published frames' })
        .option('timeout-ms', {
          type: 'number',
          default: DEFAULT_CONNECT_TIMEOUT_MS,
          describe: 'Time allowed to connect',
        })
        .example("$0 subscribe --url ws://127.0.0.1:3001 --topic 'sensors/#'", 'everything under sensors/')
        .epilog(
          'Runs until Ctrl-C (exit 0), --count frames (exit 0), or the bridge closes the connection (exit 1). Exit 2 on bad arguments.',
        ) as unknown as Argv<SubscribeArgs>,
    handler: async (args) => {
      if (!/^wss?:\/\//.test(args.url) || !URL.canParse(args.url))
        throw new UsageError(`--url must be a ws:// or wss:// URL, got "${args.url}"`);
      for (const filter of args.topic) {
        const checked = validateTopicFilter(filter);
        if (!checked.ok) throw new UsageError(`--topic "${filter}": ${checked.error.reason}`);
      }
      if (args.count !== undefined && (!Number.isInteger(args.count) || args.count < 1))
        throw new UsageError('--count must be a positive integer');
      await subscribe(io, buildConnectUrl(args.url, args.topic), args);
    },
  };
}

async function subscribe(io: CliIo, url: string, args: SubscribeArgs): Promise<void> {
  if (io.signal.aborted) return;
  const socket = await connectOnce(io.WebSocket, url, args['timeout-ms']);
  io.stderr.write(
    `device-agent: subscribed (${args.topic.join(', ')}); one JSON line per frame follows on stdout\n`,
  );
  const ping = setInterval(() => socket.send('{"action":"ping"}'), SUBSCRIBE_PING_MS);
  let published = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => resolve();
      io.signal.addEventListener('abort', onAbort, { once: true });
      socket.on('message', (data) => {
        const text = String(data);
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = { unparsed: text };
        }
        // The answers to our own keep-alive pings are not frames anyone subscribed to.
        if ((parsed as { type?: unknown }).type === 'pong') return;
        io.stdout.write(`${JSON.stringify(parsed)}\n`);
        const isPublished = typeof parsed === 'object' && parsed !== null && 'message' in parsed;
        if (isPublished && args.count !== undefined && ++published >= args.count) resolve();
      });
      socket.on('close', (code, reason) => {
        io.signal.removeEventListener('abort', onAbort);
        reject(
          new AgentError(
            'link_closed',
            `the bridge closed the connection (code ${code}${reason.length ? `: ${reason}` : ''})`,
          ),
        );
      });
    });
  } finally {
    clearInterval(ping);
    socket.removeAllListeners('close');
    socket.close(1000);
  }
}
