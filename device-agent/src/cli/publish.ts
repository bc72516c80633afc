import { randomUUID } from 'node:crypto';
import { BridgeRejectionError, PublishTimeoutError } from '@topic-bridge/client';
import { encodePublishFrame, type JsonValue, validatePublishTopic } from '@topic-bridge/shared-types';
import type { Argv, CommandModule } from 'yargs';
import { AgentError, RejectedError, TimeoutError, UsageError } from '../errors.js';
import { type BridgeArgs, checkBridgeArgs, openBridgeClient, withBridgeOptions } from './bridge-client.js';
import { type CliIo, readAll } from './io.js';

interface PublishArgs extends BridgeArgs {
  topic: string;
  message?: string;
  id?: string;
  retain?: boolean;
}

interface PublishedFrame {
  topic: string;
  message: JsonValue;
  id: string;
  retain?: boolean;
}

/** `device-agent publish`: one frame, wait for its ack. */
export function publishCommand(io: CliIo): CommandModule<object, PublishArgs> {
  return {
    command: 'publish',
    describe: 'Publish one message and wait for the bridge to acknowledge it',
    builder: (yargs: Argv) =>
      withBridgeOptions(yargs, 'Time allowed to connect, and then for the ack')
        .option('topic', {
          type: 'string',
          demandOption: true,
          describe: 'Topic to publish to (no wildcards)',
        })
        .option('message', { type: 'string', describe: 'The message as JSON; read from stdin when absent' })
        .option('id', { type: 'string', describe: 'Frame id (default: a random UUID)' })
        .option('retain', {
          type: 'boolean',
          describe:
            "Also keep it as the topic's last value for later subscribers (with a null message: clear it)",
        })
        .example(
          '$0 publish --url ws://127.0.0.1:3001 --topic sensors/t1 --message \'{"c":21.5}\'',
          'publish one reading',
        )
        .example(
          'echo 42 | $0 publish --url ws://127.0.0.1:3001 --topic sensors/t1',
          'the message from stdin',
        )
        .epilog(
          'Prints {"id":…,"delivered":N} once acknowledged. Exit codes: 0 acknowledged, 1 unreachable or no ack in time, 2 bad arguments, 3 rejected by the bridge.',
        ) as unknown as Argv<PublishArgs>,
    handler: async (args) => {
      const frame = await buildFrame(args, io);
      const answer = await publishAndWait(io, args, frame);
      io.stdout.write(`${JSON.stringify(answer)}\n`);
    },
  };
}

async function buildFrame(args: PublishArgs, io: CliIo): Promise<PublishedFrame> {
  checkBridgeArgs(args);
  const topic = validatePublishTopic(args.topic);
  if (!topic.ok) throw new UsageError(`--topic: ${topic.error.reason}`);
  if (args.message === undefined && (io.stdin as { isTTY?: boolean }).isTTY) {
    throw new UsageError('give the message with --message JSON, or pipe it on stdin');
  }
  const text = args.message ?? (await readAll(io.stdin));
  let message: JsonValue;
  try {
    message = JSON.parse(text);
  } catch (error) {
    const where = args.message === undefined ? 'stdin' : '--message';
    throw new UsageError(
      `${where} is not valid JSON (${(error as Error).message}); quote text as "\\"text\\""`,
    );
  }
  const id = args.id ?? randomUUID();
  const frame = {
    topic: topic.value,
    message,
    id,
    ...(args.retain === undefined ? {} : { retain: args.retain }),
  };
  const encoded = encodePublishFrame(frame);
  if (!encoded.ok) throw new UsageError(encoded.error.reason);
  return frame;
}

/** Sends the frame and resolves with the ack, or fails with RejectedError, TimeoutError or ConnectError. */
async function publishAndWait(
  io: CliIo,
  args: PublishArgs,
  frame: PublishedFrame,
): Promise<{ id: string; delivered: number }> {
  const timeoutMs = args['timeout-ms'];
  const client = await openBridgeClient(io, args, { publishTimeoutMs: timeoutMs });
  try {
    const interrupted = new Promise<never>((_, reject) =>
      io.signal.addEventListener(
        'abort',
        () => reject(new AgentError('link_closed', 'interrupted before the ack')),
        { once: true },
      ),
    );
    return await Promise.race([
      client.publish(frame.topic, frame.message, { id: frame.id, retain: frame.retain }),
      interrupted,
    ]);
  } catch (error) {
    if (error instanceof BridgeRejectionError) throw new RejectedError(error.code, error.reason);
    if (error instanceof PublishTimeoutError)
      throw new TimeoutError(`no ack from the bridge within ${timeoutMs} ms`, { cause: error });
    throw error;
  } finally {
    client.close();
  }
}
