import { describe, expect, it } from 'vitest';
import type { ValueRule } from '../../src/inputs/index.js';
import { LineSplitter } from '../../src/inputs/shared/line-splitter.js';
import { parseLine, parseValue } from '../../src/inputs/shared/value-parser.js';

const rule = (extra: Partial<ValueRule> = {}): ValueRule => ({
  parse: 'auto',
  scale: 1,
  offset: 0,
  ...extra,
});

describe('parseValue', () => {
  it('scales millidegrees into degrees without float noise', () => {
    expect(parseValue('45123\n', rule({ parse: 'number', scale: 0.001, unit: '°C' }))).toEqual({
      ok: true,
      value: { value: 45.123, unit: '°C' },
    });
    expect(parseValue('3', rule({ scale: 0.1 }))).toEqual({ ok: true, value: { value: 0.3 } });
    expect(parseValue('21.456', rule({ offset: -1, decimals: 1 }))).toEqual({
      ok: true,
      value: { value: 20.5 },
    });
  });

  it('auto: numbers wrapped, JSON objects kept, scalars and text wrapped', () => {
    expect(parseValue('-1.5e2', rule())).toEqual({ ok: true, value: { value: -150 } });
    expect(parseValue('{"a":1}', rule())).toEqual({ ok: true, value: { a: 1 } });
    expect(parseValue('[1,2]', rule())).toEqual({ ok: true, value: [1, 2] });
    expect(parseValue('true', rule({ unit: 'on' }))).toEqual({
      ok: true,
      value: { value: true, unit: 'on' },
    });
    expect(parseValue(' temp=45.1 ', rule())).toEqual({ ok: true, value: { value: 'temp=45.1' } });
  });

  it('number, json and text modes', () => {
    expect(parseValue('0x10', rule({ parse: 'number' }))).toEqual({
      ok: false,
      reason: '"0x10" is not a number',
    });
    expect(parseValue('', rule({ parse: 'number' }))).toEqual({ ok: false, reason: '"" is not a number' });
    expect(parseValue('{bad', rule({ parse: 'json' }))).toEqual({
      ok: false,
      reason: '"{bad" is not valid JSON',
    });
    expect(parseValue('12', rule({ parse: 'json' }))).toEqual({ ok: true, value: { value: 12 } });
    expect(parseValue('"x"', rule({ parse: 'json' }))).toEqual({ ok: true, value: 'x' });
    expect(parseValue('12', rule({ parse: 'text' }))).toEqual({ ok: true, value: { value: '12' } });
  });
});

describe('parseLine', () => {
  it('routes {"topic","message"} lines and gives plain values the fixed topic', () => {
    expect(parseLine('{"topic":"a/b","message":{"v":1}}', rule(), 'fixed')).toEqual({
      ok: true,
      value: { topic: 'a/b', message: { v: 1 } },
    });
    expect(parseLine('{"v":1}', rule(), 'fixed')).toEqual({
      ok: true,
      value: { topic: 'fixed', message: { v: 1 } },
    });
    expect(parseLine('7', rule(), 'fixed')).toEqual({
      ok: true,
      value: { topic: 'fixed', message: { value: 7 } },
    });
    expect(parseLine('   ', rule(), 'fixed')).toBeUndefined();
  });

  it('refuses a bad topic and plain values without a fixed topic', () => {
    expect(parseLine('{"topic":"a/#","message":1}', rule())).toEqual({
      ok: false,
      reason: `the line's topic "a/#" contains a wildcard ("+" or "#"); wildcards are only for subscriptions`,
    });
    expect(parseLine('7', rule())).toEqual({
      ok: false,
      reason: '"7" is not {"topic":…,"message":…} and the input has no "topic" for plain values',
    });
  });
});

describe('LineSplitter', () => {
  it('splits across chunks, strips CR, skips an over-long line, keeps a last line without newline', () => {
    const lines: string[] = [];
    const tooLong: number[] = [];
    const splitter = new LineSplitter(
      8,
      (line) => lines.push(line),
      (bytes) => tooLong.push(bytes),
    );
    splitter.push(Buffer.from('one\r\ntw'));
    splitter.push(Buffer.from('o\n0123456789abc'));
    splitter.push(Buffer.from('def\nlast'));
    splitter.end();
    expect(lines).toEqual(['one', 'two', 'last']);
    expect(tooLong).toEqual([16]);
  });
});
