import { CacheError } from '@pywatt/cache-core';

/** A PROTOCOL CacheError: the peer sent bytes that do not follow PROTOCOL.md. */
export function protocolError(message: string, operation = 'decode'): CacheError {
  return new CacheError('PROTOCOL', message, { operation, backend: 'proxy', retryable: false });
}

/** Reads one frame payload; every read checks its bounds and throws PROTOCOL past the end. */
export class Reader {
  readonly #buf: Buffer;
  #pos: number;

  constructor(payload: Buffer, start = 0) {
    this.#buf = payload;
    this.#pos = start;
  }

  /** Bytes left unread. */
  get remaining(): number {
    return this.#buf.length - this.#pos;
  }

  #need(count: number): void {
    if (this.#pos + count > this.#buf.length)
      throw protocolError(`frame ends early: ${count} more bytes expected at offset ${this.#pos}`);
  }

  u8(): number {
    this.#need(1);
    return this.#buf[this.#pos++] as number;
  }

  u32(): number {
    this.#need(4);
    const value = this.#buf.readUInt32BE(this.#pos);
    this.#pos += 4;
    return value;
  }

  f64(): number {
    this.#need(8);
    const value = this.#buf.readDoubleBE(this.#pos);
    this.#pos += 8;
    return value;
  }

  /** A copy of the next length-prefixed bytes (never a view of the receive buffer). */
  bytes(): Buffer {
    const length = this.u32();
    this.#need(length);
    const out = Buffer.from(this.#buf.subarray(this.#pos, this.#pos + length));
    this.#pos += length;
    return out;
  }

  string(): string {
    const length = this.u32();
    this.#need(length);
    const out = this.#buf.toString('utf8', this.#pos, this.#pos + length);
    this.#pos += length;
    return out;
  }

  /** Throws PROTOCOL unless the whole payload was read. */
  end(): void {
    if (this.#pos !== this.#buf.length)
      throw protocolError(`frame has ${this.#buf.length - this.#pos} unexpected trailing bytes`);
  }
}
