import { randomUUID } from 'node:crypto';
import {
  MAX_FRAME_BYTES,
  parseServerFrame,
  utf8Bytes,
  validatePublishTopic,
} from '@topic-bridge/shared-types';
import type { Argv, CommandModule } from 'yargs';
import { AgentError, RejectedError, TimeoutError, UsageError } from '../errors.js';
import { connectOnce, DEFAULT_CONNECT_TIMEOUT_MS } from './connect.js';
import { type CliIo, readAll } from './io.js';

interface PublishArgs {
  url: string;
  topic: string;
  message?: string;
  id?: string;
  'timeout-ms': number;
}

/** `device-agent publish`: one frame, wait for its ack. */
export function publishCommand(io: CliIo): CommandModule<object, PublishArgs> {
  return {
    command: 'publish',
    describe: 'Publish one message and wait for the bridge to acknowledge it',
    builder: (yargs: Argv) =>
      yargs
        .option('url', {
          type: 'string',
          demandOption: true,
          describe: 'Bridge WebSocket URL (ws:// or wss://)',
        })
        .option('topic', {
          type: 'string',
          demandOption: true,
          describe: 'Topic to publish to (no wildcards)',
        })
        .option('message', { type: 'string', describe: 'The message as JSON; read from stdin when absent' })
        .option('id', { type: 'string', describe: 'Frame id (default: a random UUID)' })
        .option('timeout-ms', {
          type: 'number',
          default: DEFAULT_CONNECT_TIMEOUT_MS,
          describe: 'Time allowed to connect, and then for the ack',
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
      const answer = await publishAndWait(io, args.url, frame, args['timeout-ms']);
      io.stdout.write(`${JSON.stringify(answer)}\n`);
    },
  };
}

async function buildFrame(
  args: PublishArgs,
  io: CliIo,
): Promise<{ topic: string; message: unknown; id: string }> {
  if (!/^wss?:\/\//.test(args.url) || !URL.canParse(args.url))
    throw new UsageError(`--url must be a ws:// or wss:// URL, got "${args.url}"`);
  const topic = validatePublishTopic(args.topic);
  if (!topic.ok) throw new UsageError(`--topic: ${topic.error.reason}`);
  if (args.message === undefined && (io.stdin as { isTTY?: boolean }).isTTY) {
    throw new UsageError('give the message with --message JSON, or pipe it on stdin');
  }
  const text = args.message ?? (await readAll(io.stdin));
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (error) {
    const where = args.message === undefined ? 'stdin' : '--message';
    throw new UsageError(
      `${where} is not valid JSON (${(error as Error).message}); quote text as "\\"text\\""`,
    );
  }
  const id = args.id ?? randomUUID();
  const frame = { topic: topic.value, message, id };
  const bytes = utf8Bytes(JSON.stringify(frame));
  if (bytes > MAX_FRAME_BYTES)
    throw new UsageError(`the frame is ${bytes} bytes; the bridge accepts at most ${MAX_FRAME_BYTES}`);
  return frame;
}

/** Sends the frame and resolves with the ack, or fails with RejectedError, TimeoutError or ConnectError. */
async function publishAndWait(
  io: CliIo,
  url: string,
  frame: { id: string },
  timeoutMs: number,
): Promise<{ id: string; delivered: number }> {
  const socket = await connectOnce(io.WebSocket, url, timeoutMs);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new TimeoutError(`no ack from the bridge within ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.on('message', (data) => {
        const parsed = parseServerFrame(String(data));
        if (!parsed.ok || !('type' in parsed.value) || parsed.value.id !== frame.id) return;
        const reply = parsed.value;
        clearTimeout(timer);
        if (reply.type === 'ack') resolve({ id: frame.id, delivered: Number(reply.delivered) });
        else if (reply.type === 'error') reject(new RejectedError(String(reply.code), String(reply.reason)));
      });
      socket.on('close', (code) => {
        clearTimeout(timer);
        reject(
          new AgentError(
            'link_closed',
            `the bridge closed the connection (code ${code}) before acknowledging`,
          ),
        );
      });
      io.signal.addEventListener(
        'abort',
        () => reject(new AgentError('link_closed', 'interrupted before the ack')),
        {
          once: true,
        },
      );
      socket.send(JSON.stringify(frame));
    });
  } finally {
    socket.removeAllListeners('close');
    socket.close(1000);
  }
}
