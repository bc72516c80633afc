import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import path from 'node:path';
import { Aedes } from 'aedes';
import { findFreePortForLater as freePort } from '../../../../cloud/local/free-port.js';

/** A broker a test can stop and start again on the same port. */
export interface TestBroker {
  readonly kind: 'aedes' | 'mosquitto';
  readonly url: string;
  readonly port: number;
  /** Stops the broker (mosquitto saves its sessions when `persistence` is on). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  /** What the broker logged, for failure messages. */
  log: string[];
}

/** A port the OS considers free right now (the local stack's helper, re-exported for these tests). */
export { freePort };

async function portOpen(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Aedes in-process on an OS-chosen port (MQTT 3.1.1 only); a restart loses its in-memory sessions. */
export async function startAedes(): Promise<TestBroker> {
  let broker: Aedes | undefined;
  let server: Server | undefined;
  let port = 0;
  const log: string[] = [];
  const start = async () => {
    broker = await Aedes.createBroker();
    const instance = broker;
    server = createServer((socket) => instance.handle(socket));
    const listening = server;
    await new Promise<void>((resolve) => listening.listen(port, '127.0.0.1', resolve));
    port = (listening.address() as { port: number }).port;
  };
  const stop = async () => {
    const [oldServer, oldBroker] = [server, broker];
    server = undefined;
    broker = undefined;
    // Closing the broker first disconnects its clients; the server closes once they are gone.
    const serverClosed = oldServer && new Promise<void>((resolve) => oldServer.close(() => resolve()));
    if (oldBroker) await new Promise<void>((resolve) => oldBroker.close(() => resolve()));
    await serverClosed;
  };
  await start();
  return {
    kind: 'aedes',
    port,
    url: `mqtt://127.0.0.1:${port}`,
    log,
    stop,
    restart: start,
  };
}

/** PEM files for a TLS listener that requires a client certificate signed by `caFile`. */
export interface MosquittoTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/**
 * Debian's mosquitto with a plain (or, with `tls`, a mutual-TLS) listener on 127.0.0.1 and a free port. With `persistence`, sessions and
 * queued QoS 1 messages survive a restart (saved to `dir` on shutdown). `extraConfig` adds lines (a bench
 * raises `max_inflight_messages`, whose default of 20 caps QoS 1 throughput when acks wait for the queue).
 */
export async function startMosquitto(
  dir: string,
  options: { persistence?: boolean; extraConfig?: string[]; tls?: MosquittoTls } = {},
): Promise<TestBroker> {
  const port = await freePort();
  const confFile = path.join(dir, 'mosquitto.conf');
  await writeFile(
    confFile,
    [
      'user root',
      `persistence ${options.persistence ? 'true' : 'false'}`,
      `persistence_location ${dir}/`,
      'log_dest stdout',
      'log_type error',
      'log_type warning',
      'allow_anonymous true',
      'max_queued_messages 10000',
      ...(options.extraConfig ?? []),
      `listener ${port} 127.0.0.1`,
      ...(options.tls
        ? [
            `cafile ${options.tls.caFile}`,
            `certfile ${options.tls.certFile}`,
            `keyfile ${options.tls.keyFile}`,
            'require_certificate true',
          ]
        : []),
      '',
    ].join('\n'),
  );
  const log: string[] = [];
  let child: ChildProcess | undefined;
  const start = async () => {
    const started = spawn('/usr/sbin/mosquitto', ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    const deadline = Date.now() + 10_000;
    while (!(await portOpen(port))) {
      if (started.exitCode !== null)
        throw new Error(`mosquitto exited (${started.exitCode}): ${log.join('')}`);
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}: ${log.join('')}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  const scheme = options.tls ? 'mqtts' : 'mqtt';
  return { kind: 'mosquitto', port, url: `${scheme}://127.0.0.1:${port}`, log, stop, restart: start };
}
