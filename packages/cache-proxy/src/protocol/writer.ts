import { LENGTH_PREFIX_BYTES } from './constants.js';

const INITIAL_BYTES = 16 * 1024;

/**
 * Appends frames to one growing buffer, so that every frame produced in the
 * same tick leaves in a single write. Values are copied in as raw bytes.
 */
export class Writer {
  #buf = Buffer.allocUnsafe(INITIAL_BYTES);
  #pos = 0;
  #frameStart = -1;

  /** Bytes written and not yet taken. */
  get length(): number {
    return this.#pos;
  }

  #ensure(extra: number): void {
    const need = this.#pos + extra;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  /** Starts a frame: reserves its length prefix and writes its kind. */
  beginFrame(kind: number): void {
    this.#ensure(LENGTH_PREFIX_BYTES + 1);
    this.#frameStart = this.#pos;
    this.#pos += LENGTH_PREFIX_BYTES;
    this.#buf[this.#pos++] = kind;
  }

  /** Ends the frame begun last, filling in its length; returns the payload size in bytes. */
  endFrame(): number {
    const payload = this.#pos - this.#frameStart - LENGTH_PREFIX_BYTES;
    this.#buf.writeUInt32BE(payload, this.#frameStart);
    this.#frameStart = -1;
    return payload;
  }

  /** Drops everything written after `length` (see {@link length}). */
  truncate(length: number): void {
    if (length < this.#pos) this.#pos = length;
  }

  /** Drops the frame begun last (when encoding it failed). */
  abortFrame(): void {
    if (this.#frameStart >= 0) this.#pos = this.#frameStart;
    this.#frameStart = -1;
  }

  u8(value: number): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = value;
  }

  u32(value: number): void {
    this.#ensure(4);
    this.#buf.writeUInt32BE(value, this.#pos);
    this.#pos += 4;
  }

  f64(value: number): void {
    this.#ensure(8);
    this.#buf.writeDoubleBE(value, this.#pos);
    this.#pos += 8;
  }

  /** u32 byte length, then the bytes. */
  bytes(value: Uint8Array): void {
    this.#ensure(4 + value.byteLength);
    this.#buf.writeUInt32BE(value.byteLength, this.#pos);
    this.#buf.set(value, this.#pos + 4);
    this.#pos += 4 + value.byteLength;
  }

  /** u32 byte length, then UTF-8. */
  string(value: string): void {
    this.#ensure(4 + value.length * 3);
    const written = this.#buf.write(value, this.#pos + 4, 'utf8');
    this.#buf.writeUInt32BE(written, this.#pos);
    this.#pos += 4 + written;
  }

  /** Takes everything written so far as one chunk and starts empty again. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.#pos);
    this.#buf.copy(out, 0, 0, this.#pos);
    this.#pos = 0;
    if (this.#buf.length > 1024 * 1024) this.#buf = Buffer.allocUnsafe(INITIAL_BYTES);
    return out;
  }
}
