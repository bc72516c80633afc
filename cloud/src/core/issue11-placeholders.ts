// PLACEHOLDERS until shared-types' issue 11 part lands on main (the contract's markReplay, ReplayKind and
// MAX_RETAINED_PER_REQUEST); this file is deleted on that merge and its importers import shared-types.

/** Where a delivered stored frame comes from. */
export type ReplayKind = 'retained' | 'history';

/** Most retained frames one subscribe or `retained` request gets. */
export const MAX_RETAINED_PER_REQUEST = 100;

/** The stored frame's text with `"replay":"<kind>"` inserted before its closing brace (no re-serialisation). */
export function markReplay(frameText: string, kind: ReplayKind): string {
  const end = frameText.lastIndexOf('}');
  return `${frameText.slice(0, end)},"replay":"${kind}"${frameText.slice(end)}`;
}
