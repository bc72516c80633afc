import fc from 'fast-check';

/** Levels that exercise the grammar: plain words, empty levels, spaces, non-ASCII, and look-alikes of wildcards. */
export const plainLevel = fc.oneof(
  fc.constantFrom('', 'a', 'b', 'sensors', 'temp', 'x y', 'é', '日本', '*', '$x', '🙂'),
  fc.stringMatching(/^[a-z0-9_-]{1,8}$/),
);

/** A valid publish topic: 1 to 6 levels, not starting with `$`, never empty. */
export const validTopic = fc
  .array(plainLevel, { minLength: 1, maxLength: 6 })
  .map((levels) => levels.join('/'))
  .filter((topic) => topic.length > 0 && !topic.startsWith('$'));

/** A valid subscription filter: levels or `+`, optionally ending in `#`. */
export const validFilter = fc
  .tuple(fc.array(fc.oneof(plainLevel, fc.constant('+')), { minLength: 1, maxLength: 6 }), fc.boolean())
  .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'))
  .filter((filter) => filter.length > 0 && !filter.startsWith('$'));

/** Reference matcher written straight from the MQTT 3.1.1 rules (4.7), recursively, independent of topics.ts. */
export function referenceMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  const match = (i: number, j: number): boolean => {
    if (i === f.length) return j === t.length;
    if (f[i] === '#') return true; // the rest, including the parent level itself
    if (j === t.length) return false;
    return (f[i] === '+' || f[i] === t[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}
