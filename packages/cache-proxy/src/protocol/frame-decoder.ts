import { LENGTH_PREFIX_BYTES } from './constants.js';
import { protocolError } from './reader.js';

/**
 * Cuts a byte stream into frames: a u32 big-endian payload length, then the
 * payload. The length is checked against `maxFrameBytes` before any buffer
 * is allocated for it; a zero length or an oversized one throws PROTOCOL, and
 * the decoder must then be discarded with its connection.
 *
 * A decoder can start with a smaller cap (`untrustedMaxFrameBytes`) that
 * holds until {@link trust} is called: a peer that has not yet proved who it
 * is must not make the reader allocate `maxFrameBytes` for it.
 */
export class FrameDecoder {
  readonly #maxFrameBytes: number;
  #limitBytes: number;
  readonly #header = Buffer.alloc(LENGTH_PREFIX_BYTES);
  #headerFilled = 0;
  #frame: Buffer | undefined;
  #frameFilled = 0;

  /**
   * @param maxFrameBytes largest payload accepted, in bytes
   * @param untrustedMaxFrameBytes largest payload accepted until {@link trust} is called, in bytes (default: `maxFrameBytes`)
   */
  constructor(maxFrameBytes: number, untrustedMaxFrameBytes = maxFrameBytes) {
    this.#maxFrameBytes = maxFrameBytes;
    this.#limitBytes = Math.min(maxFrameBytes, untrustedMaxFrameBytes);
  }

  /** Lifts the cap to `maxFrameBytes`, from the next frame header on (once the peer has authenticated). */
  trust(): void {
    this.#limitBytes = this.#maxFrameBytes;
  }

  /** True while part of a frame has arrived and the rest has not. */
  get partial(): boolean {
    return this.#headerFilled > 0 || this.#frame !== undefined;
  }

  /**
   * Feeds the next chunk; calls `onFrame` with each complete payload, in
   * order. Payloads may be views of `chunk`: use them before returning.
   */
  push(chunk: Buffer, onFrame: (payload: Buffer) => void): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#frame === undefined) {
        let length: number;
        if (this.#headerFilled === 0 && chunk.length - offset >= LENGTH_PREFIX_BYTES) {
          length = chunk.readUInt32BE(offset);
          offset += LENGTH_PREFIX_BYTES;
        } else {
          const n = Math.min(LENGTH_PREFIX_BYTES - this.#headerFilled, chunk.length - offset);
          chunk.copy(this.#header, this.#headerFilled, offset, offset + n);
          this.#headerFilled += n;
          offset += n;
          if (this.#headerFilled < LENGTH_PREFIX_BYTES) return;
          this.#headerFilled = 0;
          length = this.#header.readUInt32BE(0);
        }
        this.#check(length);
        if (chunk.length - offset >= length) {
          onFrame(chunk.subarray(offset, offset + length));
          offset += length;
          continue;
        }
        this.#frame = Buffer.allocUnsafe(length);
        this.#frameFilled = 0;
      }
      const frame = this.#frame;
      const n = Math.min(frame.length - this.#frameFilled, chunk.length - offset);
      chunk.copy(frame, this.#frameFilled, offset, offset + n);
      this.#frameFilled += n;
      offset += n;
      if (this.#frameFilled === frame.length) {
        this.#frame = undefined;
        onFrame(frame);
      }
    }
  }

  #check(length: number): void {
    if (length === 0)
      throw protocolError('frame of length 0: every frame has at least a kind byte');
    if (length > this.#limitBytes) {
      throw protocolError(
        this.#limitBytes < this.#maxFrameBytes
          ? `frame of ${length} bytes exceeds the limit of ${this.#limitBytes} bytes before authentication`
          : `frame of ${length} bytes exceeds the limit of ${this.#maxFrameBytes} bytes (maxFrameBytes)`,
      );
    }
  }
}
