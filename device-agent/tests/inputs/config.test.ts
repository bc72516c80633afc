import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FILE_INTERVAL_SECONDS,
  DEFAULT_MQTT_SESSION_EXPIRY_SECONDS,
  validateInputsConfig,
} from '../../src/inputs/index.js';

function reasonOf(inputs: unknown): string {
  const result = validateInputsConfig(inputs);
  return result.ok ? 'accepted' : result.error.reason;
}

const mqtt = { type: 'mqtt', url: 'mqtt://broker.local:1883', subscriptions: [{ filter: 'sensors/#' }] };
const file = { type: 'file', path: '/sys/class/thermal/thermal_zone0/temp', topic: 'gw/cpu' };
const command = { type: 'command', command: 'echo 1', topic: 'gw/one' };
const simulated = { type: 'simulated', topic: 'demo/temp' };

describe('validateInputsConfig', () => {
  it('fills in every default', () => {
    const result = validateInputsConfig([mqtt, file, command, { type: 'stdin' }, simulated]);
    expect(result).toEqual({
      ok: true,
      value: [
        {
          type: 'mqtt',
          name: 'mqtt:broker.local:1883',
          url: 'mqtt://broker.local:1883',
          protocolVersion: 'auto',
          subscriptions: [{ filter: 'sensors/#', qos: 1 }],
          keepaliveSeconds: 30,
          connectTimeoutSeconds: 10,
          sessionExpirySeconds: DEFAULT_MQTT_SESSION_EXPIRY_SECONDS,
          maxInFlight: 500,
          reconnectMinSeconds: 1,
          reconnectMaxSeconds: 30,
        },
        {
          type: 'file',
          name: 'file:/sys/class/thermal/thermal_zone0/temp',
          path: '/sys/class/thermal/thermal_zone0/temp',
          topic: 'gw/cpu',
          intervalSeconds: DEFAULT_FILE_INTERVAL_SECONDS,
          parse: 'number',
          scale: 1,
          offset: 0,
        },
        {
          type: 'command',
          name: 'command:echo 1',
          command: 'echo 1',
          mode: 'poll',
          topic: 'gw/one',
          intervalSeconds: 10,
          timeoutSeconds: 10,
          restartMinSeconds: 1,
          restartMaxSeconds: 60,
          parse: 'auto',
          scale: 1,
          offset: 0,
        },
        { type: 'stdin', name: 'stdin', parse: 'auto', scale: 1, offset: 0 },
        {
          type: 'simulated',
          name: 'simulated:demo/temp',
          topics: ['demo/temp'],
          intervalSeconds: 1,
          periodSeconds: 60,
          center: 21,
          amplitude: 3,
          noise: 0.2,
          unit: '°C',
          decimals: 2,
        },
      ],
    });
  });

  it('treats an absent list as no inputs', () => {
    expect(validateInputsConfig(undefined)).toEqual({ ok: true, value: [] });
  });

  it('returns the key path and the problem separately too', () => {
    expect(validateInputsConfig([simulated, { ...file, intervalSeconds: -1 }])).toEqual({
      ok: false,
      error: {
        keyPath: 'inputs[1].intervalSeconds',
        problem: 'must be a positive number, not -1',
        reason: 'inputs[1].intervalSeconds must be a positive number, not -1',
      },
    });
  });

  it.each([
    ['a mapping instead of a list', { type: 'file' }, 'inputs must be a list of inputs, each with a "type"'],
    [
      'an item that is not a mapping',
      ['file'],
      'inputs[0] must be a mapping with a "type" such as {type: simulated}',
    ],
    [
      'no type',
      [{ path: '/x' }],
      'inputs[0].type is required (one of mqtt, file, command, stdin, simulated)',
    ],
    [
      'an unknown type',
      [{ type: 'serial' }],
      'inputs[0].type must be one of mqtt, file, command, stdin, simulated, not "serial"',
    ],
    [
      'a misspelt key',
      [{ ...file, intervalSecs: 5 }],
      'inputs[0].intervalSecs is not a key of a "file" input (known keys: type, name, parse, scale, offset, decimals, unit, path, topic, intervalSeconds)',
    ],
    [
      'two inputs with one name',
      [simulated, { ...simulated, topic: 'demo/other', name: 'simulated:demo/temp' }],
      'inputs[1].name "simulated:demo/temp" is already the name of inputs[0]; give each input its own "name"',
    ],
    [
      'two stdin inputs',
      [{ type: 'stdin' }, { type: 'stdin', name: 'b' }],
      'inputs[1].type "stdin" may be used by one input only',
    ],
  ])('refuses %s', (_, inputs, reason) => {
    expect(reasonOf(inputs)).toBe(reason);
  });

  it.each([
    ['no url', { ...mqtt, url: undefined }, 'inputs[0].url is required'],
    [
      'a url that is no broker',
      { ...mqtt, url: 'http://x' },
      'inputs[0].url must be a broker URL such as mqtt://127.0.0.1:1883, not "http://x"',
    ],
    [
      'no subscriptions',
      { ...mqtt, subscriptions: [] },
      'inputs[0].subscriptions must be a non-empty list, not a list',
    ],
    [
      'a bad filter',
      { ...mqtt, subscriptions: [{ filter: 'a/#/b' }] },
      'inputs[0].subscriptions[0].filter is invalid: topic filter "a/#/b" has a misplaced wildcard: "#" must be the whole last level, as in "sensors/#"',
    ],
    [
      'a bad template',
      { ...mqtt, subscriptions: [{ filter: 'a/+', topic: 'b/#' }] },
      'inputs[0].subscriptions[0].topic is invalid: topic template "b/#" uses "#" but the filter "a/+" does not end with "#"',
    ],
    [
      'QoS 2',
      { ...mqtt, subscriptions: [{ filter: 'a', qos: 2 }] },
      'inputs[0].subscriptions[0].qos must be one of 0, 1, not 2',
    ],
    [
      'protocol 3',
      { ...mqtt, protocolVersion: 3 },
      'inputs[0].protocolVersion must be one of "auto", 5, 4, not 3',
    ],
    [
      'a fractional keepalive',
      { ...mqtt, keepaliveSeconds: 1.5 },
      'inputs[0].keepaliveSeconds must be an integer, not 1.5',
    ],
    [
      'maxInFlight 0',
      { ...mqtt, maxInFlight: 0 },
      'inputs[0].maxInFlight must be an integer of at least 1, not 0',
    ],
    [
      'reconnect max below min',
      { ...mqtt, reconnectMinSeconds: 5, reconnectMaxSeconds: 2 },
      'inputs[0].reconnectMaxSeconds must not be less than reconnectMinSeconds',
    ],
    ['a cert without key', { ...mqtt, certFile: '/c.pem' }, 'inputs[0].keyFile is required with the other'],
  ])('mqtt: refuses %s', (_, input, reason) => {
    expect(reasonOf([input])).toBe(reason);
  });

  it.each([
    ['no path', { ...file, path: undefined }, 'inputs[0].path is required'],
    ['an empty path', { ...file, path: '' }, 'inputs[0].path must be a non-empty string, not ""'],
    [
      'a wildcard topic',
      { ...file, topic: 'gw/+' },
      'inputs[0].topic is not a valid topic: topic "gw/+" contains a wildcard ("+" or "#"); wildcards are only for subscriptions',
    ],
    [
      'a zero interval',
      { ...file, intervalSeconds: 0 },
      'inputs[0].intervalSeconds must be a positive number, not 0',
    ],
    [
      'a text interval',
      { ...file, intervalSeconds: '10' },
      'inputs[0].intervalSeconds must be a positive number, not "10"',
    ],
    [
      'an unknown parse',
      { ...file, parse: 'csv' },
      'inputs[0].parse must be one of "auto", "number", "json", "text", not "csv"',
    ],
    [
      'scale with json',
      { ...file, parse: 'json', scale: 2 },
      'inputs[0].scale applies to numbers only; use parse: number or auto, or remove it (parse is "json")',
    ],
    ['decimals 13', { ...file, decimals: 13 }, 'inputs[0].decimals must be an integer of at most 12, not 13'],
  ])('file: refuses %s', (_, input, reason) => {
    expect(reasonOf([input])).toBe(reason);
  });

  it.each([
    [
      'an empty command list',
      { ...command, command: [] },
      'inputs[0].command must be a non-empty list of non-empty strings',
    ],
    ['no topic in poll mode', { ...command, topic: undefined }, 'inputs[0].topic is required in "poll" mode'],
    [
      'an unknown mode',
      { ...command, mode: 'daemon' },
      'inputs[0].mode must be one of "poll", "stream", not "daemon"',
    ],
    [
      'a negative timeout',
      { ...command, timeoutSeconds: -5 },
      'inputs[0].timeoutSeconds must be a positive number, not -5',
    ],
    [
      'restart max below min',
      { ...command, restartMinSeconds: 9, restartMaxSeconds: 1 },
      'inputs[0].restartMaxSeconds must not be less than restartMinSeconds',
    ],
  ])('command: refuses %s', (_, input, reason) => {
    expect(reasonOf([input])).toBe(reason);
  });

  it.each([
    [
      'a reserved topic',
      { type: 'stdin', topic: '$sys' },
      'inputs[0].topic is not a valid topic: topic must not start with "$" (reserved)',
    ],
    [
      'unit with json',
      { type: 'stdin', parse: 'json', unit: 'V' },
      'inputs[0].unit cannot be added to JSON messages; remove it or use parse: auto',
    ],
  ])('stdin: refuses %s', (_, input, reason) => {
    expect(reasonOf([input])).toBe(reason);
  });

  it.each([
    ['no topic', { type: 'simulated' }, 'inputs[0].topic is required (or "topics", a list)'],
    [
      'topic and topics',
      { ...simulated, topics: ['a'] },
      'inputs[0].topics cannot be used together with "topic"; keep one',
    ],
    [
      'a bad topic in the list',
      { type: 'simulated', topics: ['a', 'b/#'] },
      'inputs[0].topics[1] is not a valid topic: topic "b/#" contains a wildcard ("+" or "#"); wildcards are only for subscriptions',
    ],
    [
      'a negative amplitude',
      { ...simulated, amplitude: -1 },
      'inputs[0].amplitude must be a number of at least 0, not -1',
    ],
    [
      'a zero period',
      { ...simulated, periodSeconds: 0 },
      'inputs[0].periodSeconds must be a positive number, not 0',
    ],
  ])('simulated: refuses %s', (_, input, reason) => {
    expect(reasonOf([input])).toBe(reason);
  });
});
