/**
 * A FIFO deque on a ring buffer whose capacity is a power of two: `push`
 * and `shift` are O(1) and allocate nothing once the ring has grown to the
 * queue's working size (an array's `shift()` is O(n) past a small size).
 *
 * @module
 */

const MIN_CAPACITY = 16;

/** The ready queue of the event loop (asyncio's `_ready` deque). */
export class ReadyQueue<T> {
  #ring: (T | undefined)[];
  #mask: number;
  #head = 0;
  #length = 0;

  constructor(capacity = MIN_CAPACITY) {
    let c = MIN_CAPACITY;
    while (c < capacity) c *= 2;
    this.#ring = new Array(c).fill(undefined);
    this.#mask = c - 1;
  }

  /** The number of items queued. */
  get length(): number {
    return this.#length;
  }

  /** Appends `item` at the tail. */
  push(item: T): void {
    if (this.#length > this.#mask) this.#grow();
    this.#ring[(this.#head + this.#length) & this.#mask] = item;
    this.#length++;
  }

  /** Removes and returns the head; the queue must not be empty. */
  shift(): T {
    const i = this.#head;
    const item = this.#ring[i] as T;
    this.#ring[i] = undefined;
    this.#head = (i + 1) & this.#mask;
    this.#length--;
    return item;
  }

  /** The head without removing it, or `undefined` when empty. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#ring[this.#head];
  }

  /** Drops every item. */
  clear(): void {
    const ring = this.#ring;
    for (let n = 0, i = this.#head; n < this.#length; n++) {
      ring[i] = undefined;
      i = (i + 1) & this.#mask;
    }
    this.#head = 0;
    this.#length = 0;
  }

  /** The items from head to tail, as a new array. */
  toArray(): T[] {
    const out: T[] = new Array(this.#length);
    for (let n = 0, i = this.#head; n < this.#length; n++) {
      out[n] = this.#ring[i] as T;
      i = (i + 1) & this.#mask;
    }
    return out;
  }

  #grow(): void {
    const old = this.#ring;
    const cap = old.length;
    const ring: (T | undefined)[] = new Array(cap * 2).fill(undefined);
    for (let n = 0, i = this.#head; n < this.#length; n++) {
      ring[n] = old[i];
      i = (i + 1) & this.#mask;
    }
    this.#ring = ring;
    this.#mask = cap * 2 - 1;
    this.#head = 0;
  }
}
