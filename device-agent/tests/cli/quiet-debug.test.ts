import { createRequire } from 'node:module';
import path from 'node:path';
import { format } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const STUB = path.resolve(import.meta.dirname, '../../deploy/quiet-debug.cjs');

interface Logger {
  (...args: unknown[]): void;
  enabled: boolean;
  namespace: string;
  log: (...args: unknown[]) => void;
}

/** Loads the stand-in afresh (it, and the real `debug`, read DEBUG when they load), with DEBUG as given. */
function loadWith(debug: string | undefined): (namespace: string) => Logger {
  for (const key of Object.keys(require.cache)) {
    if (key === STUB || key.includes(`${path.sep}node_modules${path.sep}debug${path.sep}`)) {
      delete require.cache[key];
    }
  }
  if (debug === undefined) delete process.env.DEBUG;
  else process.env.DEBUG = debug;
  return require(STUB) as (namespace: string) => Logger;
}

describe("the bundle's stand-in for `debug` (mqtt.js's and mqtt-packet's loggers)", () => {
  const before = process.env.DEBUG;
  afterEach(() => {
    if (before === undefined) delete process.env.DEBUG;
    else process.env.DEBUG = before;
  });

  it('without DEBUG, gives every namespace one logger that is off and does nothing', () => {
    const createDebug = loadWith(undefined);
    const client = createDebug('mqttjs:client');
    expect(createDebug('mqtt-packet:parser')).toBe(client);
    expect(client.enabled).toBe(false);
    expect(client('handlePublish: packet %o', { cmd: 'publish' })).toBeUndefined();
    // No rest parameter: a call builds no array of its arguments.
    expect(client.length).toBe(0);
  });

  it('with DEBUG set when the agent starts, hands out the real loggers, which print what DEBUG selects', () => {
    const createDebug = loadWith('mqttjs*');
    const client = createDebug('mqttjs:client');
    const parser = createDebug('mqtt-packet:parser');
    expect([client.namespace, client.enabled]).toEqual(['mqttjs:client', true]);
    expect([parser.namespace, parser.enabled]).toEqual(['mqtt-packet:parser', false]);
    const lines: string[] = [];
    // `debug` hands its output to `log` as util.format arguments.
    client.log = (...args: unknown[]) => lines.push(format(...args));
    client('connecting to %s', 'mqtt://broker');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('mqttjs:client connecting to mqtt://broker');
  });
});
