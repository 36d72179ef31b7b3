/**
 * What a loop abandons when it closes: the I/O objects of `DenoEventLoop`
 * whose Deno operations could otherwise stay pending forever and keep the
 * process alive (a child still running, a UDP socket waiting for a
 * datagram, a pipe waiting for input). asyncio gets the same effect from
 * garbage collection, which closes a transport left open.
 *
 * @module
 */
import type { AbstractEventLoop } from "../loop/events.ts";

/** Something that can be dropped at once, without callbacks. */
export interface Abandonable {
  /** Releases the Deno resources (kills, closes); calls nothing back. */
  _abandon(): void;
}

const LIVE = new WeakMap<AbstractEventLoop, Set<Abandonable>>();

/** Registers `item` to be abandoned if `loop` closes first. */
export function track(loop: AbstractEventLoop, item: Abandonable): void {
  let live = LIVE.get(loop);
  if (live === undefined) LIVE.set(loop, live = new Set());
  live.add(item);
}

/** `item` finished by itself. */
export function untrack(loop: AbstractEventLoop, item: Abandonable): void {
  LIVE.get(loop)?.delete(item);
}

/** Abandons what `loop` still has (called when it closes). */
export function abandonAll(loop: AbstractEventLoop): void {
  const live = LIVE.get(loop);
  if (live === undefined) return;
  LIVE.delete(loop);
  for (const item of live) {
    try {
      item._abandon();
    } catch {
      // Already gone.
    }
  }
}
