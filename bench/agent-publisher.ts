/**
 * A lean MQTT 3.1.1 publisher for bench/agent-sink.ts: it is not the system under test, so it costs next to
 * nothing. It writes PUBLISH packets encoded by hand (pre-encoded for a burst) to a raw TCP socket, corked per
 * batch, and counts PUBACKs to keep at most `inFlight` QoS 1 messages unacknowledged; no mqtt.js, no store.
 * Only what the bench needs: clean session, no keep-alive, no subscriptions, QoS 0 or 1.
 */
import { connect, type Socket } from 'node:net';

/** Bytes of an MQTT "remaining length" (a base-128 varint, least significant group first). */
function remainingLength(length: number): number[] {
  const out: number[] = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    out.push(byte);
  } while (length > 0);
  return out;
}

/** One PUBLISH packet (MQTT 3.1.1, no retain, no dup); QoS 1 carries `packetId`. */
export function publishPacket(topic: string, payload: string, qos: 0 | 1, packetId: number): Buffer {
  const topicBytes = Buffer.from(topic, 'utf8');
  const payloadBytes = Buffer.from(payload, 'utf8');
  const variable = 2 + topicBytes.byteLength + (qos === 1 ? 2 : 0);
  const header = [0x30 | (qos << 1), ...remainingLength(variable + payloadBytes.byteLength)];
  const packet = Buffer.allocUnsafe(header.length + variable + payloadBytes.byteLength);
  let offset = 0;
  for (const byte of header) packet[offset++] = byte;
  offset = packet.writeUInt16BE(topicBytes.byteLength, offset);
  offset += topicBytes.copy(packet, offset);
  if (qos === 1) offset = packet.writeUInt16BE(packetId, offset);
  payloadBytes.copy(packet, offset);
  return packet;
}

function connectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  // Protocol name "MQTT", level 4 (3.1.1), flags: clean session; keep-alive 0 (off); then the client id.
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x00]);
  const length = variable.byteLength + 2 + id.byteLength;
  const idLength = Buffer.from([id.byteLength >> 8, id.byteLength & 0xff]);
  return Buffer.concat([Buffer.from([0x10, ...remainingLength(length)]), variable, idLength, id]);
}

/** A connected raw publisher: `publish` sends packets as fast as the window allows, `end` closes. */
export interface RawPublisher {
  /** Sends the packets, keeping at most `inFlight` QoS 1 messages unacknowledged; resolves once all are acked. */
  send(packets: Iterable<Buffer>, qos: 0 | 1): Promise<void>;
  end(): Promise<void>;
}

/** Connects to `host:port` as `clientId` and waits for the CONNACK. */
export async function connectRawPublisher(
  host: string,
  port: number,
  clientId: string,
  inFlight: number,
): Promise<RawPublisher> {
  const socket: Socket = connect(port, host);
  socket.setNoDelay(true);
  let buffered: Buffer = Buffer.alloc(0);
  let outstanding = 0;
  let wake: (() => void) | undefined;
  let connected: (() => void) | undefined;
  let failed: ((error: Error) => void) | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    connected = resolve;
    failed = reject;
  });
  socket.on('error', (error) => failed?.(error));
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.byteLength === 0 ? chunk : Buffer.concat([buffered, chunk]);
    // Packets from the broker: CONNACK (0x20) and PUBACK (0x40), each 4 bytes; anything else is skipped whole.
    while (buffered.byteLength >= 2) {
      if ((buffered[1] as number) & 0x80) {
        socket.destroy(new Error('the broker sent a packet this publisher does not expect (a long one)'));
        return;
      }
      const length = buffered[1] as number;
      if (buffered.byteLength < 2 + length) break;
      const type = (buffered[0] as number) >> 4;
      if (type === 2) {
        if (buffered[3] === 0) connected?.();
        else failed?.(new Error(`the broker refused the publisher: CONNACK return code ${buffered[3]}`));
      } else if (type === 4) {
        outstanding -= 1;
      }
      buffered = buffered.subarray(2 + length);
    }
    wake?.();
  });
  socket.write(connectPacket(clientId));
  await ready;
  const waitForAcks = () => new Promise<void>((resolve) => (wake = resolve));
  return {
    async send(packets, qos) {
      const iterator = packets[Symbol.iterator]();
      for (let next = iterator.next(); !next.done; ) {
        if (qos === 1 && outstanding >= inFlight) {
          await waitForAcks();
          continue;
        }
        // A batch of what the window allows, in one write; QoS 0 waits for the socket to drain instead.
        socket.cork();
        while (!next.done && (qos === 0 || outstanding < inFlight)) {
          if (qos === 1) outstanding += 1;
          const flowing = socket.write(next.value);
          next = iterator.next();
          if (!flowing && qos === 0) break;
        }
        socket.uncork();
        if (qos === 0 && socket.writableNeedDrain)
          await new Promise<void>((resolve) => socket.once('drain', resolve));
      }
      while (qos === 1 && outstanding > 0) await waitForAcks();
    },
    async end() {
      // DISCONNECT, then close.
      await new Promise<void>((resolve) => socket.end(Buffer.from([0xe0, 0x00]), resolve));
      socket.destroy();
    },
  };
}
