import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import type { IotCoreOutputSettings } from './iot-output-config.js';

/** The client certificate, its private key and (optionally) the CA that signs the endpoint's certificate. */
export interface IotCoreTls {
  cert: Buffer;
  key: Buffer;
  /** Absent: Node's built-in CAs, which include Amazon Root CA 1. */
  ca?: Buffer;
}

/**
 * Reads the TLS files named by the IoT Core output's settings, once at start. A missing or unreadable
 * file is a ConfigError naming the key, e.g. `output.keyFile`, and the path.
 */
export async function loadIotCoreTls(
  settings: IotCoreOutputSettings,
  keyPrefix = 'output',
): Promise<IotCoreTls> {
  const read = async (key: 'certFile' | 'keyFile' | 'caFile', path: string) => {
    try {
      return await readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(
        `${keyPrefix}.${key}`,
        `cannot read ${path} (${code}): run \`device-agent provision\` or correct the path`,
        { cause: error },
      );
    }
  };
  const cert = await read('certFile', settings.certFile);
  const key = await read('keyFile', settings.keyFile);
  const ca = settings.caFile === undefined ? undefined : await read('caFile', settings.caFile);
  return ca === undefined ? { cert, key } : { cert, key, ca };
}
