import type { Transport } from '../transport/transport.js';
import { Writer } from './writer.js';

/**
 * Collects the frames a connection produces and writes them in one chunk per
 * tick, so a burst of requests or responses costs one syscall, not one each.
 */
export class FrameSink {
  /** Frames are appended here; call {@link flushSoon} after each one. */
  readonly writer = new Writer();
  #transport: Transport | undefined;
  #scheduled = false;

  constructor(transport?: Transport) {
    this.#transport = transport;
  }

  /** The transport later writes go to (frames already queued go there too). */
  set transport(transport: Transport | undefined) {
    this.#transport = transport;
  }

  /** Writes what is queued at the end of this tick. */
  flushSoon(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    process.nextTick(() => this.flush());
  }

  /** Writes what is queued now. */
  flush(): void {
    this.#scheduled = false;
    if (this.writer.length === 0) return;
    const chunk = this.writer.take();
    this.#transport?.write(chunk);
  }

  /** Forgets what is queued (the connection is gone). */
  discard(): void {
    if (this.writer.length > 0) this.writer.take();
  }
}
