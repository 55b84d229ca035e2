import type { LinkCall } from './link-call.js';

/**
 * The requests of a {@link ClientLink}: those sent on the current connection
 * (by id, awaiting an answer) and those waiting for a connection or a free
 * request slot (in arrival order). Ids are never reused while a request with
 * that id is outstanding, so a late answer cannot reach another request.
 */
export class CallTable {
  readonly #sent = new Map<number, LinkCall>();
  readonly #waiting = new Set<LinkCall>();
  #nextId = 1;

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.#sent.size;
  }

  /** Requests waiting to be sent. */
  get waitingCount(): number {
    return this.#waiting.size;
  }

  /** Queues a request until it can be sent. */
  wait(call: LinkCall): void {
    this.#waiting.add(call);
  }

  /** Takes a request out of the queue; false when it was not waiting. */
  unwait(call: LinkCall): boolean {
    return this.#waiting.delete(call);
  }

  /** Hands waiting requests to `send`, oldest first, while `canSend()` holds. */
  release(canSend: () => boolean, send: (call: LinkCall) => void): void {
    for (const call of this.#waiting) {
      if (!canSend()) return;
      this.#waiting.delete(call);
      send(call);
    }
  }

  /** Gives the request a fresh id, one no outstanding request has. */
  assignId(call: LinkCall): void {
    do {
      this.#nextId = this.#nextId >= 0xffffffff ? 1 : this.#nextId + 1;
    } while (this.#sent.has(this.#nextId));
    call.id = this.#nextId;
  }

  /** Records a request as sent, awaiting the answer with its id. */
  track(call: LinkCall): void {
    this.#sent.set(call.id, call);
  }

  /** The sent request with this id, removed from the table; undefined when none (a late answer). */
  takeSent(id: number): LinkCall | undefined {
    const call = this.#sent.get(id);
    if (call !== undefined) this.#sent.delete(id);
    return call;
  }

  /** Removes this request if it is still awaiting its answer; false otherwise. */
  forgetSent(call: LinkCall): boolean {
    if (this.#sent.get(call.id) !== call) return false;
    this.#sent.delete(call.id);
    return true;
  }

  /** Empties the sent requests and returns them. */
  drainSent(): LinkCall[] {
    const sent = [...this.#sent.values()];
    this.#sent.clear();
    return sent;
  }

  /** Empties the queue and returns its requests in order. */
  drainWaiting(): LinkCall[] {
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    return waiting;
  }

  /** Empties both: the sent requests first, then the waiting ones. */
  drainAll(): LinkCall[] {
    const all = [...this.#sent.values(), ...this.#waiting];
    this.#sent.clear();
    this.#waiting.clear();
    return all;
  }
}
