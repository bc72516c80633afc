import { MULTI_LEVEL_WILDCARD, SINGLE_LEVEL_WILDCARD, TOPIC_LEVEL_SEPARATOR } from './limits.js';
import { topicMatches } from './topics.js';

/**
 * Permissions as topic filters: a token grants the filters its holder may publish to and subscribe to.
 * A grant covers exactly what its filter matches, with the protocol's own matching (topics.ts).
 *
 * `$`-prefixed topics: MQTT keeps `#` and `+` from matching them at the first level. The bridge refuses
 * every topic and filter that starts with `$` (RESERVED_TOPIC_PREFIX), and grants must be valid filters,
 * so no grant can name one and no subscriber can reach one; nothing here needs a special case. If `$`
 * topics are ever allowed, `#` and a leading `+` must stop covering them here and in topicMatches.
 */

/**
 * True when every topic that the (valid) filter `filter` can match is also matched by the (valid) filter
 * `grant`: "filter inside filter". `sensors/+/temp` covers `sensors/a/temp` and `sensors/+/temp`, but not
 * `sensors/#` nor `sensors/a/b/temp`; `#` covers everything; `sensors/#` covers `sensors` itself.
 * Refusing errs on the safe side in one corner: the topic-length limits (MAX_TOPIC_LEVELS) are not used to
 * prove coverage, so a filter ending in `#` at the deepest allowed level is covered only by a `#` grant.
 */
export function grantCovers(grant: string, filter: string): boolean {
  if (grant === filter) return true;
  const g = grant.split(TOPIC_LEVEL_SEPARATOR);
  const f = filter.split(TOPIC_LEVEL_SEPARATOR);
  for (let i = 0; i < g.length; i++) {
    const grantLevel = g[i];
    // The rest of any topic, and the parent level too (`a/#` matches `a`): whatever the filter still holds.
    if (grantLevel === MULTI_LEVEL_WILDCARD) return true;
    const filterLevel = f[i];
    // The filter ended (its topics have i levels) but the grant needs a level i: not covered.
    if (filterLevel === undefined) return false;
    // The filter reaches any depth from here: only `+`… then `#` can follow, and only as many `+` as
    // every topic of the filter has levels left.
    if (filterLevel === MULTI_LEVEL_WILDCARD) return restCoversAnyDepth(g, i, f);
    if (grantLevel === SINGLE_LEVEL_WILDCARD) continue; // any one level, `+` or a name
    // A named level covers only itself: a `+` in the filter matches names the grant does not.
    if (grantLevel !== filterLevel) return false;
  }
  // The grant ended without `#`: covered only when the filter ends at the same depth.
  return f.length === g.length;
}

/**
 * Whether the grant's levels from `i` on (at least one, not `#`) cover a filter that has `#` at level `i`.
 * The filter's topics have `i` levels or more (`a/#` matches `a`), except that a topic is never empty: `#`
 * and `/#` match nothing with fewer than `i + 1` levels. So the grant must be `+` k times then `#`, with k
 * no larger than the fewest levels the filter's topics have past `i`.
 */
function restCoversAnyDepth(grant: readonly string[], i: number, filter: readonly string[]): boolean {
  let plus = 0;
  while (grant[i + plus] === SINGLE_LEVEL_WILDCARD) plus++;
  if (grant[i + plus] !== MULTI_LEVEL_WILDCARD || grant.length !== i + plus + 1) return false;
  const prefixIsEmptyTopic = i === 0 || (i === 1 && filter[0] === '');
  return plus <= (prefixIsEmptyTopic ? 1 : 0);
}

/** True when some `subscribe` grant covers the filter: subscribing to it is allowed. */
export function subscribeAllowed(grants: readonly string[], filter: string): boolean {
  return grants.some((grant) => grantCovers(grant, filter));
}

/** True when some `publish` grant matches the (valid) topic: publishing to it is allowed. */
export function publishAllowed(grants: readonly string[], topic: string): boolean {
  return grants.some((grant) => topicMatches(grant, topic));
}
