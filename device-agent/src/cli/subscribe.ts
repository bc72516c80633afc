import { DEFAULT_INITIAL_HISTORY, MAX_INITIAL_HISTORY } from '@topic-bridge/client';
import { validateTopicFilter } from '@topic-bridge/shared-types';
import type { Argv, CommandModule } from 'yargs';
import { AgentError, UsageError } from '../errors.js';
import { type BridgeArgs, checkBridgeArgs, openBridgeClient, withBridgeOptions } from './bridge-client.js';
import type { CliIo } from './io.js';

interface SubscribeArgs extends BridgeArgs {
  topic: string[];
  count?: number;
  retained: boolean;
  'catch-up': boolean;
  history: number;
}

/**
 * `device-agent subscribe`: print every published frame received, one JSON line each. Frames from the
 * bridge's storage keep the bridge's own mark, `"replay":"retained"` or `"replay":"history"`; live frames
 * are printed exactly as before.
 */
export function subscribeCommand(io: CliIo): CommandModule<object, SubscribeArgs> {
  return {
    command: 'subscribe',
    describe: 'Print every frame published on the given topic filters, one JSON line each',
    builder: (yargs: Argv) =>
      withBridgeOptions(yargs, 'Time allowed for the first connection to open')
        .option('topic', {
          type: 'string',
          array: true,
          demandOption: true,
          describe: 'Topic filter (+ and # wildcards); repeat for several',
        })
        .option('count', {
          type: 'number',
          describe: 'Exit 0 after this many printed frames (retained and history frames count)',
        })
        .option('retained', {
          type: 'boolean',
          default: true,
          describe: 'Print the retained last values first, marked "replay":"retained" (--no-retained: none)',
        })
        .option('catch-up', {
          type: 'boolean',
          default: true,
          describe:
            'After a reconnect, print what was missed first, marked "replay":"history" (--no-catch-up: none)',
        })
        .option('history', {
          type: 'number',
          default: DEFAULT_INITIAL_HISTORY,
          describe: `Print first up to N stored frames per filter, oldest first, marked "replay":"history" (0 to ${MAX_INITIAL_HISTORY})`,
        })
        .example("$0 subscribe --url ws://127.0.0.1:3001 --topic 'sensors/#'", 'everything under sensors/')
        .epilog(
          'Runs until Ctrl-C (exit 0) or --count frames (exit 0), reconnecting and renewing the connection by itself; after a reconnect it prints what was missed (where the bridge keeps history), in order, each once, and says on stderr when frames may be missing. Exit 1 when the first connection fails or the bridge refuses the token; exit 2 on bad arguments.',
        ) as unknown as Argv<SubscribeArgs>,
    handler: async (args) => {
      checkBridgeArgs(args);
      for (const filter of args.topic) {
        const checked = validateTopicFilter(filter);
        if (!checked.ok) throw new UsageError(`--topic "${filter}": ${checked.error.reason}`);
      }
      if (args.count !== undefined && (!Number.isInteger(args.count) || args.count < 1))
        throw new UsageError('--count must be a positive integer');
      if (!Number.isInteger(args.history) || args.history < 0 || args.history > MAX_INITIAL_HISTORY)
        throw new UsageError(`--history must be an integer from 0 to ${MAX_INITIAL_HISTORY}`);
      if (io.signal.aborted) return;
      await subscribe(io, args);
    },
  };
}

async function subscribe(io: CliIo, args: SubscribeArgs): Promise<void> {
  const client = await openBridgeClient(io, args, {
    topics: args.topic,
    retained: args.retained,
    catchUp: args['catch-up'],
    history: { initial: args.history },
  });
  io.stderr.write(
    `device-agent: subscribed (${args.topic.join(', ')}); one JSON line per frame follows on stdout\n`,
  );
  let published = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      io.signal.addEventListener('abort', () => resolve(), { once: true });
      client.on('message', ({ frame }) => {
        io.stdout.write(`${JSON.stringify(frame)}\n`);
        if (args.count !== undefined && ++published >= args.count) resolve();
      });
      client.on('gap', ({ filter, since, detail }) => {
        const from = since === undefined ? '' : ` since ${JSON.stringify(since)}`;
        io.stderr.write(`device-agent: frames on ${filter}${from} may be missing: ${detail}\n`);
      });
      // Asked for stored frames that this bridge cannot give: say why none came.
      client.on('notice', ({ code, reason }) => {
        const historyAsked = args.history > 0 && code.startsWith('history_');
        if (historyAsked) io.stderr.write(`device-agent: ${reason}\n`);
      });
      client.on('invalid-frame', ({ reason }) =>
        io.stderr.write(`device-agent: ignored a frame: ${reason}\n`),
      );
      client.on('state', ({ state, reason, delayMs }) => {
        if (state !== 'reconnecting' || delayMs === undefined) return;
        io.stderr.write(`device-agent: ${reason}; reconnecting in ${delayMs} ms\n`);
      });
      client.on('unauthorized', ({ reason }) => {
        // A refused renewal leaves the open connection working until it ends.
        if (client.state === 'open') return;
        reject(new AgentError('link_closed', `${reason}. Check --token or --token-file`));
      });
    });
  } finally {
    client.close();
  }
}
