import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isWildcardFilter,
  MAX_TOPIC_BYTES,
  MAX_TOPIC_LEVELS,
  topicMatches,
  utf8Bytes,
  validatePublishTopic,
  validateTopicFilter,
} from '../src/index.js';
import { plainLevel, referenceMatches, validFilter, validTopic } from './arbitraries.js';

describe('topic grammar (properties)', () => {
  it('accepts every valid topic unchanged, as a topic and as a filter', () => {
    fc.assert(
      fc.property(validTopic, (topic) => {
        expect(validatePublishTopic(topic)).toEqual({ ok: true, value: topic });
        expect(validateTopicFilter(topic)).toEqual({ ok: true, value: topic });
      }),
    );
  });

  it('accepts only well-formed Unicode, which survives UTF-8 transport and DynamoDB keys unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), (topic) => {
        if (!validatePublishTopic(topic).ok) return;
        expect(new TextDecoder().decode(new TextEncoder().encode(topic))).toBe(topic);
      }),
      { numRuns: 2000 },
    );
    // A JSON escape can carry an unpaired surrogate inside perfectly valid UTF-8 text.
    const lone = JSON.parse('"a/\\ud800"') as string;
    expect(validatePublishTopic(lone)).toEqual({
      ok: false,
      error: {
        code: 'invalid_topic',
        reason: 'topic contains an unpaired surrogate (not valid Unicode text)',
      },
    });
    expect(validateTopicFilter(`${lone}/#`)).toMatchObject({ ok: false, error: { code: 'invalid_topic' } });
  });

  it('accepts wildcards only as whole levels, `#` only last', () => {
    fc.assert(
      fc.property(validFilter, (filter) => {
        expect(validateTopicFilter(filter)).toEqual({ ok: true, value: filter });
        if (isWildcardFilter(filter)) expect(validatePublishTopic(filter).ok).toBe(false);
      }),
    );
    fc.assert(
      fc.property(
        fc.array(plainLevel, { maxLength: 3 }),
        fc.array(plainLevel, { minLength: 1, maxLength: 3 }),
        (before, after) => {
          expect(validateTopicFilter([...before, '#', ...after].join('/'))).toMatchObject({
            ok: false,
            error: { code: 'invalid_topic' },
          });
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z]{1,4}$/),
        fc.constantFrom('+', '#'),
        fc.boolean(),
        (word, wildcard, prefix) => {
          const level = prefix ? `${wildcard}${word}` : `${word}${wildcard}`;
          expect(validateTopicFilter(`a/${level}`).ok).toBe(false);
          expect(validatePublishTopic(`a/${level}`)).toMatchObject({
            ok: false,
            error: { code: 'wildcard_in_publish_topic' },
          });
        },
      ),
    );
  });

  it('matches exactly as the MQTT reference matcher does', () => {
    fc.assert(
      fc.property(validFilter, validTopic, (filter, topic) => {
        fc.pre(!isWildcardFilter(topic));
        expect(topicMatches(filter, topic)).toBe(referenceMatches(filter, topic));
      }),
      { numRuns: 3000 },
    );
  });

  it('matches every topic built from a filter by filling its wildcards', () => {
    fc.assert(
      fc.property(validFilter, fc.array(plainLevel, { minLength: 8, maxLength: 8 }), (filter, fills) => {
        const levels = filter.split('/');
        const built = levels
          .flatMap((level, i) =>
            level === '#' ? fills.slice(0, i % 3) : [level === '+' ? (fills[i] ?? 'z') : level],
          )
          .join('/');
        fc.pre(validatePublishTopic(built).ok);
        expect(topicMatches(filter, built)).toBe(true);
      }),
    );
  });

  it('enforces the byte and level limits exactly', () => {
    const longest = 'é'.repeat(MAX_TOPIC_BYTES / 2);
    expect(utf8Bytes(longest)).toBe(MAX_TOPIC_BYTES);
    expect(validatePublishTopic(longest).ok).toBe(true);
    expect(validatePublishTopic(`${longest}a`)).toMatchObject({
      ok: false,
      error: { code: 'invalid_topic' },
    });
    const deepest = Array.from({ length: MAX_TOPIC_LEVELS }, () => 'l').join('/');
    expect(validatePublishTopic(deepest).ok).toBe(true);
    expect(validatePublishTopic(`${deepest}/l`)).toMatchObject({
      ok: false,
      error: { code: 'invalid_topic' },
    });
  });
});

describe('topicMatches (examples)', () => {
  it.each([
    ['sensors/#', 'sensors', true],
    ['sensors/#', 'sensors/a/b', true],
    ['sensors/+', 'sensors', false],
    ['sensors/+', 'sensors/', true],
    ['+/+', '/finance', true],
    ['+', '/finance', false],
    ['#', 'anything/at/all', true],
    ['a/b', 'a/b/c', false],
    ['a/+/c', 'a/b/c', true],
    ['a/+/c', 'a/b/d', false],
  ])('%s against %s is %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
