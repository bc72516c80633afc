/** What bench/support/throttled-endpoint.mjs answers to `stats` (one type for the benches and its test). */
export interface ThrottledEndpointStats {
  /** Posts answered 200. */
  accepted: number;
  /** Distinct connection ids among them. */
  distinct: number;
  /** Posts to an id already accepted (a retry that had been delivered). */
  duplicates: number;
  /** Posts answered 429 by the token bucket. */
  throttled: number;
  /** Requests refused as not a well-formed signed post (must stay 0). */
  malformed: number;
  requests: number;
  /** The endpoint process's own CPU (user + system), and the system part. */
  cpuSeconds: number;
  systemSeconds: number;
}
