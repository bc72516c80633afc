/** The exit codes of every `device-agent` command, documented in docs/AGENT.md. */
export const EXIT = {
  /** Done: published and acknowledged, subscription ended on request, agent stopped cleanly. */
  ok: 0,
  /** A runtime failure: the bridge unreachable within the connect timeout, no ack in time, connection lost. */
  failure: 1,
  /** Bad usage or configuration: unknown flag, missing argument, invalid value (the message names it). */
  usage: 2,
  /** The bridge refused the frame with an error frame (the message carries its code and reason). */
  rejected: 3,
} as const;

/** One of the exit codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
