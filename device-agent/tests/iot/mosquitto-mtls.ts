import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { findFreePortForLater as freePort } from '../../../cloud/local/free-port.js';
import type { TestPki } from './tls-certificates.js';

/** Debian's mosquitto with a mutual-TLS listener (as AWS IoT Core) and a plain one for test subscribers. */
export interface MosquittoMtls {
  tlsPort: number;
  plainPort: number;
  /** Lines mosquitto logged, for failure messages. */
  log: string[];
  stop(): Promise<void>;
  /** Starts it again on the same ports (after stop), for outage tests. */
  restart(): Promise<void>;
}

/** A port the OS considers free right now (the local stack's helper, re-exported for these tests). */
export { freePort };

async function waitForPort(port: number, child: ChildProcess, log: string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}): ${log.join('\n')}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`mosquitto did not listen on ${port}: ${log.join('\n')}`);
}

/**
 * Starts mosquitto: a TLS listener that requires a client certificate signed by the test CA and takes its
 * common name as the username, and an ACL that lets a client write only under `sensors/<its name>/` (as the
 * gateway policy does); plus a plain listener where anonymous test subscribers may read everything.
 */
export async function startMosquittoMtls(dir: string, pki: TestPki): Promise<MosquittoMtls> {
  const tlsPort = await freePort();
  const plainPort = await freePort();
  const aclFile = join(dir, 'acl');
  await writeFile(aclFile, 'topic read #\npattern write sensors/%u/#\n');
  const confFile = join(dir, 'mosquitto.conf');
  await writeFile(
    confFile,
    [
      'user root',
      // Sessions and their queued QoS 1 messages survive a restart, as on a real broker.
      'persistence true',
      `persistence_location ${dir}/`,
      'log_dest stdout',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'allow_anonymous true',
      `acl_file ${aclFile}`,
      `listener ${tlsPort} 127.0.0.1`,
      `cafile ${pki.caFile}`,
      `certfile ${pki.serverCertFile}`,
      `keyfile ${pki.serverKeyFile}`,
      'require_certificate true',
      'use_identity_as_username true',
      `listener ${plainPort} 127.0.0.1`,
      '',
    ].join('\n'),
  );
  const log: string[] = [];
  let child: ChildProcess | undefined;
  const start = async () => {
    const started = spawn('/usr/sbin/mosquitto', ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout?.on('data', (data) => log.push(String(data).trim()));
    started.stderr?.on('data', (data) => log.push(String(data).trim()));
    child = started;
    await waitForPort(tlsPort, started, log);
    await waitForPort(plainPort, started, log);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return { tlsPort, plainPort, log, stop, restart: start };
}
