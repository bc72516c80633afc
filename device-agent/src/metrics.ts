/** The agent's counters, shared by the agent, the dispatcher and the health endpoint. */
export interface AgentCounters {
  /** Readings accepted from inputs (stamped and queued). */
  read: number;
  /** Readings refused at `emit` (too large, invalid topic) and never queued. */
  refused: number;
  /** Frames put on the wire, resends included. */
  sent: number;
  /** Frames acknowledged by the bridge (they left the queue). */
  acked: number;
  /** Readings dropped because the queue was full. */
  dropped: number;
  /** Frames the bridge refused with a final error code (moved to the dead-letter file). */
  rejected: number;
  /** Frames sent again (after a disconnect, an ack timeout or a retryable error). */
  resent: number;
  /** Times the link reached `connected` (the first connection included). */
  connects: number;
  /** When the last ack arrived (ms since epoch), or undefined before the first one. */
  lastAckAt: number | undefined;
}

/** Fresh counters, all zero. */
export function createCounters(): AgentCounters {
  return {
    read: 0,
    refused: 0,
    sent: 0,
    acked: 0,
    dropped: 0,
    rejected: 0,
    resent: 0,
    connects: 0,
    lastAckAt: undefined,
  };
}
