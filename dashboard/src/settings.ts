import { validateTopicFilter } from '@topic-bridge/shared-types';
import { DEFAULT_BRIDGE_URL, DEFAULT_TOPICS } from './config.js';

/** What the page connects to. */
export interface DashboardSettings {
  bridgeUrl: string;
  topics: string[];
  token?: string;
  /** Where the bridge URL came from, shown to the user. */
  source: 'url parameter' | 'server' | 'default';
  /** Topics from the URL that were not valid filters, with the reason. */
  rejectedTopics: string[];
}

/** The defaults served at `config.json` by the dashboard server (or edited by whoever hosts the page). */
export interface ServedConfig {
  bridgeUrl?: unknown;
  topics?: unknown;
}

/**
 * Settings from the page's query string (`?url=wss://…&topic=a&topic=b&token=…`), falling back on the
 * served config, then on the built-in defaults. Never throws; invalid topics are reported, not used.
 */
export function resolveSettings(search: string, served: ServedConfig | undefined): DashboardSettings {
  const params = new URLSearchParams(search);
  const urlParam = params.get('url');
  const servedUrl = typeof served?.bridgeUrl === 'string' ? served.bridgeUrl : undefined;
  const servedTopics = Array.isArray(served?.topics)
    ? served.topics.filter((t) => typeof t === 'string')
    : undefined;
  const asked = params.getAll('topic');
  const candidates = asked.length > 0 ? asked : (servedTopics ?? [...DEFAULT_TOPICS]);
  const topics: string[] = [];
  const rejectedTopics: string[] = [];
  for (const topic of candidates) {
    const checked = validateTopicFilter(topic);
    if (checked.ok) {
      if (!topics.includes(topic)) topics.push(topic);
    } else rejectedTopics.push(`${topic}: ${checked.error.reason}`);
  }
  const token = params.get('token') ?? undefined;
  const base = { topics, rejectedTopics, ...(token ? { token } : {}) };
  if (urlParam) return { ...base, bridgeUrl: urlParam, source: 'url parameter' };
  if (servedUrl) return { ...base, bridgeUrl: servedUrl, source: 'server' };
  return { ...base, bridgeUrl: DEFAULT_BRIDGE_URL, source: 'default' };
}

/** The query string that reopens the page with these topics (keeping `url` and `token` as they were). */
export function searchWithTopics(search: string, topics: readonly string[]): string {
  const params = new URLSearchParams(search);
  params.delete('topic');
  for (const topic of topics) params.append('topic', topic);
  const text = params.toString();
  return text ? `?${text}` : '';
}
