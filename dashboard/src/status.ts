import type { StateChange } from '@topic-bridge/client';

/** The connection state as a short sentence for the header. */
export function describeState(change: Pick<StateChange, 'state' | 'attempt' | 'delayMs'>): string {
  switch (change.state) {
    case 'connecting':
      return 'connecting…';
    case 'open':
      return 'live';
    case 'closed':
      return 'closed';
    case 'unauthorized':
      return 'not authorized: open the page with a valid ?token=';
    case 'reconnecting': {
      const next =
        change.delayMs === undefined ? '' : `, next try in ${(change.delayMs / 1000).toFixed(1)} s`;
      return `reconnecting (attempt ${change.attempt}${next})`;
    }
  }
}
