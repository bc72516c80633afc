import { TOPIC_QUERY_PARAMETER } from './limits.js';

/**
 * Builds the URL a client connects to: the bridge's base URL with one `topicName` parameter per filter,
 * as in `wss://host/bridge?topicName=a&topicName=b`. Parameters already in the base URL are kept.
 */
export function buildConnectUrl(
  baseUrl: string,
  filters: readonly string[],
  extra: Record<string, string> = {},
): string {
  const url = new URL(baseUrl);
  for (const filter of filters) url.searchParams.append(TOPIC_QUERY_PARAMETER, filter);
  for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value);
  return url.toString();
}
