import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM file paths of one test PKI: a CA, a server certificate for 127.0.0.1, and client certificates. */
export interface TestPki {
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  client(name: string): { certFile: string; keyFile: string };
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

// P-256 keys: as good as RSA for the test, and generated in milliseconds.
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function newCa(dir: string, name: string): Promise<void> {
  await openssl(
    dir,
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  );
}

async function signed(
  dir: string,
  ca: string,
  name: string,
  commonName: string,
  extFile?: string,
): Promise<void> {
  await openssl(
    dir,
    'req',
    ...EC_KEY,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${commonName}`,
  );
  const ext = extFile ? ['-extfile', extFile] : [];
  await openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-set_serial',
    String(Date.now()),
    '-days',
    '2',
    '-out',
    `${name}.pem`,
    ...ext,
  );
}

/**
 * Generates, with openssl, a CA, a server certificate valid for 127.0.0.1 and localhost, and one client
 * certificate per name (common name = the name, as AWS IoT uses the thing name). `rogueClients` are signed by
 * a second CA the broker does not trust.
 */
export async function createTestPki(
  dir: string,
  clients: string[],
  rogueClients: string[] = [],
): Promise<TestPki> {
  await newCa(dir, 'ca');
  await newCa(dir, 'rogue-ca');
  const serverExt = join(dir, 'server.ext');
  await writeFile(serverExt, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await signed(dir, 'ca', 'server', 'localhost', serverExt);
  await Promise.all([
    ...clients.map((name) => signed(dir, 'ca', `client-${name}`, name)),
    ...rogueClients.map((name) => signed(dir, 'rogue-ca', `client-${name}`, name)),
  ]);
  return {
    caFile: join(dir, 'ca.pem'),
    serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server.key'),
    client: (name) => ({
      certFile: join(dir, `client-${name}.pem`),
      keyFile: join(dir, `client-${name}.key`),
    }),
  };
}
