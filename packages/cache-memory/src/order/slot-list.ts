/** "No slot": the end of a list, a miss, no victim. */
export const NO_SLOT = -1;

/**
 * The links of one or more doubly linked lists of slots: for each slot, the
 * newer (`prev`) and older (`next`) neighbour in the list it sits in. Typed
 * arrays, not objects: relinking an entry writes small integers into dense
 * memory instead of pointers into scattered entries.
 */
export class Links {
  prev: Int32Array;
  next: Int32Array;

  constructor(capacity: number) {
    this.prev = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
  }

  /** Room for slots 0 … `capacity` − 1, keeping the links of the slots already in use. */
  grow(capacity: number): void {
    const prev = new Int32Array(capacity);
    prev.set(this.prev);
    this.prev = prev;
    const next = new Int32Array(capacity);
    next.set(this.next);
    this.next = next;
  }
}

/** A doubly linked list of slots threaded through a {@link Links}: front = newest, back = oldest. */
export class SlotList {
  front = NO_SLOT;
  back = NO_SLOT;

  pushFront(links: Links, slot: number): void {
    const front = this.front;
    links.prev[slot] = NO_SLOT;
    links.next[slot] = front;
    if (front === NO_SLOT) this.back = slot;
    else links.prev[front] = slot;
    this.front = slot;
  }

  unlink(links: Links, slot: number): void {
    const prev = links.prev[slot] as number;
    const next = links.next[slot] as number;
    if (prev === NO_SLOT) this.front = next;
    else links.next[prev] = next;
    if (next === NO_SLOT) this.back = prev;
    else links.prev[next] = prev;
  }

  /** Moves a listed slot to the front, writing only the links that change. */
  moveToFront(links: Links, slot: number): void {
    const front = this.front;
    if (front === slot) return;
    // Not the front, so it has a newer neighbour.
    const prevs = links.prev;
    const nexts = links.next;
    const prev = prevs[slot] as number;
    const next = nexts[slot] as number;
    nexts[prev] = next;
    if (next === NO_SLOT) this.back = prev;
    else prevs[next] = prev;
    prevs[slot] = NO_SLOT;
    nexts[slot] = front;
    prevs[front] = slot;
    this.front = slot;
  }

  reset(): void {
    this.front = NO_SLOT;
    this.back = NO_SLOT;
  }
}
