import { validateTopicFilter } from '@topic-bridge/shared-types';
import type { Argv, CommandModule } from 'yargs';
import { AgentError, UsageError } from '../errors.js';
import { type BridgeArgs, checkBridgeArgs, openBridgeClient, withBridgeOptions } from './bridge-client.js';
import type { CliIo } from './io.js';

interface SubscribeArgs extends BridgeArgs {
  topic: string[];
  count?: number;
}

/** `device-agent subscribe`: print every published frame received, one JSON line each. */
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
        .option('count', { type: 'number', describe: 'Exit 0 after this many published frames' })
        .example("$0 subscribe --url ws://127.0.0.1:3001 --topic 'sensors/#'", 'everything under sensors/')
        .epilog(
          'Runs until Ctrl-C (exit 0) or --count frames (exit 0), reconnecting and renewing the connection by itself. Exit 1 when the first connection fails or the bridge refuses the token; exit 2 on bad arguments.',
        ) as unknown as Argv<SubscribeArgs>,
    handler: async (args) => {
      checkBridgeArgs(args);
      for (const filter of args.topic) {
        const checked = validateTopicFilter(filter);
        if (!checked.ok) throw new UsageError(`--topic "${filter}": ${checked.error.reason}`);
      }
      if (args.count !== undefined && (!Number.isInteger(args.count) || args.count < 1))
        throw new UsageError('--count must be a positive integer');
      if (io.signal.aborted) return;
      await subscribe(io, args);
    },
  };
}

async function subscribe(io: CliIo, args: SubscribeArgs): Promise<void> {
  const client = await openBridgeClient(io, args, { topics: args.topic });
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
