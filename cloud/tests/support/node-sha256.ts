import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/** What the signer hashes: text or bytes. */
type SourceData = string | ArrayBuffer | ArrayBufferView;

/**
 * SHA-256 (or HMAC-SHA-256 when given a secret) over node:crypto, in the shape `@smithy/signature-v4` wants.
 * Tests and benchmarks use it to run the SDK's signer; the SDK ships its own in `@smithy/hash-node`, not in our tree.
 */
export class NodeSha256 {
  private readonly secret: SourceData | undefined;
  private hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.secret = secret;
    this.hash = NodeSha256.create(secret);
  }

  update(data: SourceData): void {
    this.hash.update(typeof data === 'string' ? data : toBytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }

  reset(): void {
    this.hash = NodeSha256.create(this.secret);
  }

  private static create(secret: SourceData | undefined): Hash | Hmac {
    if (secret === undefined) return createHash('sha256');
    const key = typeof secret === 'string' ? secret : Buffer.from(toBytes(secret));
    return createHmac('sha256', key);
  }
}

function toBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}
