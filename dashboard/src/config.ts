/** Every default of the dashboard page, named in one place. */

/** Bridge URL when neither `?url=` nor the server's `config.json` gives one: `npm start`'s local bridge. */
export const DEFAULT_BRIDGE_URL = 'ws://127.0.0.1:3001';

/** Filter shown when no `?topic=` is given: everything the simulated demo device publishes. */
export const DEFAULT_TOPICS: readonly string[] = ['demo/#'];

/** Where the page looks for the hosting server's defaults (relative, so the page works under any path). */
export const CONFIG_PATH = './config.json';

/** Most frames kept in the list; older ones are dropped. */
export const MAX_FRAMES_SHOWN = 200;

/** Most rows (instants) kept in each chart; the earliest ones are dropped. */
export const MAX_CHART_ROWS = 600;

/** Most series in each chart; numeric fields past it are not charted (they still show in the list). */
export const MAX_SERIES = 12;

/** Most charts, one per unit (readings without a unit share one); units past it are not charted. */
export const MAX_CHARTS = 6;

/**
 * A frame's `ts` further ahead of this browser's clock than this is not trusted and is plotted at receipt
 * time instead (marked approximate): a device clock that far off would push the point off the chart's right
 * edge. Clocks a few seconds apart are normal.
 */
export const MAX_TS_AHEAD_MS = 60_000;

/** Most topics in the "Latest values" panel; past it, the topic updated longest ago leaves it. */
export const MAX_LATEST_TOPICS = 24;

/** Longest text of a non-numeric latest value, in characters (the whole message is in the frame list). */
export const MAX_LATEST_TEXT_CHARS = 80;

/** Most "data may be missing" notes shown at once; older ones leave. */
export const MAX_GAP_NOTES = 5;

/** How often the ages of stored values ("retained · 3 min ago") are brought up to date. */
export const AGE_REFRESH_MS = 5_000;

/**
 * Stored frames asked for per filter when the page opens (the client's `history.initial`), so the charts
 * start filled: the newest ones the bridge's history keeps, where history is on for the filter. A filter
 * without history just gets none. 300 is the bridge's default history of three topics (100 each, like the
 * demo's three sensors under `demo/#`), and half a chart's MAX_CHART_ROWS.
 */
export const HISTORY_INITIAL_FRAMES = 300;

/** The window over which messages per second are averaged. */
export const RATE_WINDOW_MS = 5_000;

/** Longest message text shown in the list, in characters. */
export const MAX_MESSAGE_CHARS = 2_000;

/**
 * Reconnect delay cap for the page: lower than the library's 30 s, since a person is watching and waits
 * for the view to come back; full jitter still spreads many open dashboards over that window.
 */
export const MAX_RECONNECT_DELAY_MS = 10_000;
