/** One QoS 1 message waiting for its PUBACK. */
interface PendingAck {
  messageId: number;
  connection: number;
  /** undefined while the agent has not answered; then whether to acknowledge it. */
  send: boolean | undefined;
}

/**
 * Holds the PUBACKs of QoS 1 messages until the agent has queued them, and sends them in the order the
 * messages arrived (as MQTT requires). A message the agent failed to queue is never acknowledged, so the
 * broker delivers it again after the next reconnect; acks from a previous connection are dropped, since
 * the broker redelivers those messages on the new one.
 */
export class OrderedAcks {
  private readonly pending: PendingAck[] = [];

  constructor(private readonly sendAck: (messageId: number, connection: number) => void) {}

  /** Registers a message in arrival order; settle it with the returned function. */
  add(messageId: number, connection: number): (send: boolean) => void {
    const entry: PendingAck = { messageId, connection, send: undefined };
    this.pending.push(entry);
    return (send) => {
      entry.send = send;
      this.flush();
    };
  }

  /** Messages registered and not yet acknowledged or dropped. */
  get size(): number {
    return this.pending.length;
  }

  private flush(): void {
    while (this.pending.length > 0 && this.pending[0]?.send !== undefined) {
      const head = this.pending.shift() as PendingAck;
      if (head.send) this.sendAck(head.messageId, head.connection);
    }
  }
}
