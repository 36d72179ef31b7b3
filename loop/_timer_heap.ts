/**
 * A binary min-heap of timers keyed by `(when, seq)`: the earliest deadline
 * first, and among equal deadlines the one scheduled first. Cancelled timers
 * stay in the heap (lazy cancel) until they reach the top or the loop
 * compacts the heap (see `BaseEventLoop`).
 *
 * @module
 */

/** What the heap orders: a deadline and a tie-breaking sequence number. */
export interface HeapEntry {
  /** The deadline, in the loop's `time()` seconds. */
  _when: number;
  /** The order of scheduling, for ties. */
  _seq: number;
}

function less(a: HeapEntry, b: HeapEntry): boolean {
  return a._when < b._when || (a._when === b._when && a._seq < b._seq);
}

/** The loop's `_scheduled` heap. */
export class TimerHeap<T extends HeapEntry> {
  #items: T[] = [];

  /** The number of timers in the heap, cancelled ones included. */
  get length(): number {
    return this.#items.length;
  }

  /** The earliest timer, or `undefined`. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds a timer. */
  push(item: T): void {
    const a = this.#items;
    let i = a.length;
    a.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p];
      if (!less(item, parent)) break;
      a[i] = parent;
      i = p;
    }
    a[i] = item;
  }

  /** Removes and returns the earliest timer; the heap must not be empty. */
  pop(): T {
    const a = this.#items;
    const top = a[0];
    const last = a.pop() as T;
    if (a.length > 0) this.#siftDown(last, 0);
    return top;
  }

  /** Keeps only the timers for which `keep` is true, and re-heapifies. */
  filter(keep: (item: T) => boolean): void {
    const kept = this.#items.filter(keep);
    this.#items = kept;
    for (let i = (kept.length >> 1) - 1; i >= 0; i--) {
      this.#siftDown(kept[i], i);
    }
  }

  /** Drops every timer, passing each to `each` first. */
  clear(each?: (item: T) => void): void {
    if (each) { for (const item of this.#items) each(item); }
    this.#items = [];
  }

  #siftDown(item: T, i: number): void {
    const a = this.#items;
    const n = a.length;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && less(a[c + 1], a[c])) c++;
      if (!less(a[c], item)) break;
      a[i] = a[c];
      i = c;
    }
    a[i] = item;
  }
}
