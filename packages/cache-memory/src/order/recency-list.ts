import type { Entry } from '../entry.js';

/** An intrusive doubly linked list of entries: front = newest, back = oldest. */
export class RecencyList {
  front: Entry | null = null;
  back: Entry | null = null;

  pushFront(entry: Entry): void {
    entry.prev = null;
    entry.next = this.front;
    if (this.front === null) this.back = entry;
    else this.front.prev = entry;
    this.front = entry;
  }

  unlink(entry: Entry): void {
    const { prev, next } = entry;
    if (prev === null) this.front = next;
    else prev.next = next;
    if (next === null) this.back = prev;
    else next.prev = prev;
    entry.prev = null;
    entry.next = null;
  }

  moveToFront(entry: Entry): void {
    if (this.front === entry) return;
    this.unlink(entry);
    this.pushFront(entry);
  }

  reset(): void {
    this.front = null;
    this.back = null;
  }
}
