/** Ages under this read "just now": clocks of device and browser differ by a few seconds anyway. */
const JUST_NOW_MS = 10_000;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** How long ago something happened, for people: "just now", "42 s ago", "3 min ago", "5 h ago", "2 d ago". */
export function describeAge(ageMs: number): string {
  if (ageMs < JUST_NOW_MS) return 'just now';
  if (ageMs < MINUTE_MS) return `${Math.floor(ageMs / 1000)} s ago`;
  if (ageMs < HOUR_MS) return `${Math.floor(ageMs / MINUTE_MS)} min ago`;
  if (ageMs < 2 * DAY_MS) return `${Math.floor(ageMs / HOUR_MS)} h ago`;
  return `${Math.floor(ageMs / DAY_MS)} d ago`;
}

/** A time of day as the page shows it (24-hour, the browser's locale and zone). */
export function timeOfDay(atMs: number): string {
  return new Date(atMs).toLocaleTimeString(undefined, { hour12: false });
}
