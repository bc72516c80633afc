import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildMqttEnvelope,
  compileTopicMapping,
  decodeMqttPayload,
  mapTopic,
  mapTopicFirstMatch,
  mqttPayloadBytes,
  type TopicMapping,
  topicMatches,
  validatePublishTopic,
} from '../src/index.js';

function compiled(filter: string, template?: string): TopicMapping {
  const result = compileTopicMapping(filter, template);
  if (!result.ok) throw new Error(result.error.reason);
  return result.value;
}

function mapped(filter: string, template: string | undefined, topic: string): string {
  const result = mapTopic(compiled(filter, template), topic);
  if (!result.ok) throw new Error(result.error.reason);
  return result.value;
}

function reasonOf(filter: unknown, template: unknown): string {
  const result = compileTopicMapping(filter, template);
  return result.ok ? 'accepted' : result.error.reason;
}

describe('topic templates', () => {
  it('rewrites a prefix with #', () => {
    expect(mapped('sensors/#', 'site1/sensors/#', 'sensors/kitchen/temp')).toBe('site1/sensors/kitchen/temp');
    expect(mapped('sensors/#', 'site1/sensors/#', 'sensors')).toBe('site1/sensors');
    expect(mapped('a/b/#', 'x/#', 'a/b/c')).toBe('x/c');
  });

  it('keeps the topic when there is no template', () => {
    expect(mapped('sensors/+/temp', undefined, 'sensors/kitchen/temp')).toBe('sensors/kitchen/temp');
  });

  it('substitutes + by position and {n} by level number', () => {
    expect(mapped('devices/+/telemetry/+', 'site1/+/+', 'devices/d7/telemetry/hum')).toBe('site1/d7/hum');
    expect(mapped('devices/+/telemetry/+', 'site1/{4}/{2}', 'devices/d7/telemetry/hum')).toBe('site1/hum/d7');
    expect(mapped('devices/+/#', 'room-{2}/level{3}', 'devices/k/x/y')).toBe('room-k/levelx');
  });

  it('rejects a mapped topic that is not a valid publish topic', () => {
    const result = mapTopic(compiled('#', '{1}'), '$SYS/uptime');
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'invalid_topic',
        reason:
          'MQTT topic "$SYS/uptime" maps to an invalid bridge topic: topic must not start with "$" (reserved)',
      },
    });
  });

  it('rejects a topic that lacks a level the template needs, or does not match', () => {
    expect(mapTopic(compiled('a/#', 'b/{3}'), 'a/x')).toEqual({
      ok: false,
      error: { code: 'invalid_topic', reason: 'template "b/{3}" needs level 3 but MQTT topic "a/x" has 2' },
    });
    expect(mapTopic(compiled('a/+', 'b/+'), 'c/x')).toEqual({
      ok: false,
      error: { code: 'invalid_topic', reason: 'MQTT topic "c/x" does not match the filter "a/+"' },
    });
  });

  it('names what is wrong in a bad template', () => {
    expect(reasonOf('a/+', 'b/#')).toBe(
      'topic template "b/#" uses "#" but the filter "a/+" does not end with "#"',
    );
    expect(reasonOf('a/#', 'b/#/c')).toBe('topic template "b/#/c" has "#" before its last level');
    expect(reasonOf('a/+', 'b/+/+')).toBe(
      'topic template "b/+/+" has more "+" levels than the filter "a/+" (1)',
    );
    expect(reasonOf('a/+', 'b/x+')).toBe(
      'topic template "b/x+" has "+" or "#" inside a level; a wildcard must be a whole level',
    );
    expect(reasonOf('a/+', 'b/{3}')).toBe(
      'topic template "b/{3}" uses {3} but topics matching "a/+" have 2 levels',
    );
    expect(reasonOf('a/#', 'b/{0}')).toBe('topic template "b/{0}" has {0}; levels are numbered 1 to 16');
    expect(reasonOf('a/#', 'b/{x}')).toBe(
      'topic template "b/{x}" has a "{" or "}" that is not a placeholder like {1}',
    );
    expect(reasonOf('a/#', '$b/#')).toBe('topic template "$b/#" must not start with "$" (reserved)');
    expect(reasonOf('a/#', '')).toBe('topic template must be a non-empty string such as "site1/sensors/#"');
    expect(reasonOf('a/#', 7)).toBe('topic template must be a non-empty string such as "site1/sensors/#"');
    expect(reasonOf('a/#/b', 'x')).toBe(
      'topic filter "a/#/b" has a misplaced wildcard: "#" must be the whole last level, as in "sensors/#"',
    );
  });

  it('maps with the first matching filter', () => {
    const mappings = [compiled('a/special', 'x/special'), compiled('a/+', 'y/+')];
    expect(mapTopicFirstMatch(mappings, 'a/special')).toEqual({ ok: true, value: 'x/special' });
    expect(mapTopicFirstMatch(mappings, 'a/other')).toEqual({ ok: true, value: 'y/other' });
    expect(mapTopicFirstMatch(mappings, 'b')).toEqual({
      ok: false,
      error: { code: 'invalid_topic', reason: 'MQTT topic "b" matches none of the configured filters' },
    });
  });
});

const level = fc.stringMatching(/^[a-z0-9_-]{1,6}$/);
const topicArb = fc.array(level, { minLength: 1, maxLength: 6 }).map((levels) => levels.join('/'));
const filterArb = fc
  .tuple(fc.array(fc.oneof(level, fc.constant('+')), { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'));
/** A topic that matches the filter: each + gets a level, # gets zero or more. */
const filterAndTopic = filterArb.chain((filter) =>
  fc
    .tuple(fc.array(level, { minLength: 8, maxLength: 8 }), fc.array(level, { maxLength: 3 }))
    .map(([fill, rest]) => {
      let next = 0;
      const levels = filter.split('/').flatMap((part) => {
        if (part === '+') return [fill[next++] ?? ''];
        if (part === '#') return rest;
        return [part];
      });
      return { filter, topic: levels.join('/') };
    }),
);

describe('topic mapping properties', () => {
  it('never throws and yields a valid publish topic or a rejection', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (filter, template, topic) => {
        const mapping = compileTopicMapping(filter, template);
        if (!mapping.ok) return;
        const result = mapTopic(mapping.value, topic);
        if (result.ok) expect(validatePublishTopic(result.value).ok).toBe(true);
      }),
    );
  });

  it('leaves every matching topic unchanged without a template', () => {
    fc.assert(
      fc.property(filterAndTopic, ({ filter, topic }) => {
        expect(topicMatches(filter, topic)).toBe(true);
        expect(mapTopic(compiled(filter), topic)).toEqual({ ok: true, value: topic });
      }),
    );
  });

  it('rewrites a prefix: the rest of the topic follows the new prefix', () => {
    fc.assert(
      fc.property(topicArb, topicArb, fc.array(level, { maxLength: 4 }), (from, to, rest) => {
        const topic = [from, ...rest].join('/');
        const expected = [to, ...rest].join('/');
        expect(mapTopic(compiled(`${from}/#`, `${to}/#`), topic)).toEqual({ ok: true, value: expected });
      }),
    );
  });

  it('{n} picks level n of the topic', () => {
    fc.assert(
      fc.property(fc.array(level, { minLength: 1, maxLength: 6 }), (levels) => {
        const topic = levels.join('/');
        const template = `out/${levels.map((_, i) => `{${levels.length - i}}`).join('/')}`;
        const reversed = `out/${[...levels].reverse().join('/')}`;
        expect(mapTopic(compiled('#', template), topic)).toEqual({ ok: true, value: reversed });
      }),
    );
  });
});

describe('MQTT payload envelope', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('carries JSON as JSON, text as text and other bytes as base64', () => {
    expect(buildMqttEnvelope('s/t', bytes('{"v":21.5}'), true)).toEqual({
      mqttTopic: 's/t',
      retained: true,
      encoding: 'json',
      payload: { v: 21.5 },
    });
    expect(decodeMqttPayload(bytes('21.5'))).toEqual({ encoding: 'json', payload: 21.5 });
    expect(decodeMqttPayload(bytes('on °C'))).toEqual({ encoding: 'text', payload: 'on °C' });
    expect(decodeMqttPayload(bytes(''))).toEqual({ encoding: 'text', payload: '' });
    expect(decodeMqttPayload(Uint8Array.of(0xff, 0x00, 0x80))).toEqual({
      encoding: 'base64',
      payload: '/wCA',
    });
  });

  it('round-trips any bytes: text and base64 exactly, JSON by value', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (payload) => {
        const envelope = decodeMqttPayload(payload);
        const back = mqttPayloadBytes(envelope);
        if (envelope.encoding === 'json') {
          expect(new TextDecoder().decode(back)).toBe(JSON.stringify(envelope.payload));
        } else {
          expect(back).toEqual(payload);
        }
      }),
    );
  });

  it('decodes any JSON value as JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const envelope = decodeMqttPayload(bytes(JSON.stringify(value)));
        expect(envelope).toEqual({ encoding: 'json', payload: JSON.parse(JSON.stringify(value)) });
      }),
    );
  });
});
