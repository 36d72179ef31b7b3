/**
 * The loop's list of pending tasks: an intrusive doubly linked list through
 * fields of the tasks themselves, so adding and removing a task allocates
 * nothing and hashes nothing (a `Set` of 100,000 tasks costs a growing hash
 * table). The loop holds its pending tasks strongly through it.
 *
 * @module
 */

/** What the list links through (`_nextTask` undefined: not listed). */
export interface Listed {
  /** @internal */ _prevTask: Listed | null | undefined;
  /** @internal */ _nextTask: Listed | null | undefined;
}

/** A list of tasks, in the order they were added. */
export class TaskList<T extends Listed> implements Iterable<T> {
  #head: T | null = null;
  #tail: T | null = null;
  #size = 0;

  /** The number of tasks in the list. */
  get size(): number {
    return this.#size;
  }

  /** Appends `task` (does nothing if it is listed). */
  add(task: T): void {
    if (task._nextTask !== undefined) return;
    task._nextTask = null;
    task._prevTask = this.#tail;
    if (this.#tail === null) this.#head = task;
    else this.#tail._nextTask = task;
    this.#tail = task;
    this.#size++;
  }

  /** Removes `task` (does nothing if it is not listed). */
  delete(task: T): void {
    if (task._nextTask === undefined) return;
    const prev = task._prevTask as T | null;
    const next = task._nextTask as T | null;
    if (prev === null) this.#head = next;
    else prev._nextTask = next;
    if (next === null) this.#tail = prev;
    else next._prevTask = prev;
    task._prevTask = undefined;
    task._nextTask = undefined;
    this.#size--;
  }

  /** Whether `task` is in this list. */
  has(task: T): boolean {
    return task._nextTask !== undefined;
  }

  /** The tasks, as a new array (safe to change the list while using it). */
  toArray(): T[] {
    const out: T[] = [];
    for (let t = this.#head; t !== null; t = t._nextTask as T | null) {
      out.push(t);
    }
    return out;
  }

  /** Empties the list. */
  clear(): void {
    for (const t of this.toArray()) this.delete(t);
  }

  [Symbol.iterator](): Iterator<T> {
    return this.toArray()[Symbol.iterator]();
  }
}
