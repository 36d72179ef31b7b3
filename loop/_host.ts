/**
 * Glue between our loop and Deno's own event loop, which our loop runs as a
 * guest of. Deno's I/O completes in Deno's macrotasks; our loop runs its
 * iterations in microtasks and gives Deno a turn (a "hop") now and then,
 * and whenever it has nothing to do.
 *
 * - `hop()`: one `setImmediate` turn (about 1 µs): lets Deno poll I/O and
 *   run its timers, then resumes after the microtasks already queued.
 * - `setHostTimer(fn, seconds)`: a host timer for the next deadline. A
 *   `setTimeout` delay is rounded up to whole milliseconds, like epoll's
 *   timeout in CPython's selectors; `setTimeout(0)` is never used, so the
 *   4 ms clamp of nested zero timers never applies.
 *
 * @module
 */
import { setImmediate } from "node:timers";

/** The longest a host timer is set for; the loop re-arms after it. */
export const MAX_HOST_TIMER_SECONDS = 24 * 3600;

/** Resolves after one turn of Deno's event loop. */
export function hop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Calls `fn` on a later turn of Deno's event loop. */
export function hopThen(fn: () => void): void {
  setImmediate(fn);
}

/** A host timer's id. */
export type HostTimer = ReturnType<typeof setTimeout>;

/** Arms a host timer for `seconds` from now (at least 1 ms). */
export function setHostTimer(fn: () => void, seconds: number): HostTimer {
  const ms = Math.max(
    1,
    Math.ceil(Math.min(seconds, MAX_HOST_TIMER_SECONDS) * 1000),
  );
  return setTimeout(fn, ms);
}

/** Disarms a host timer. */
export function clearHostTimer(id: HostTimer): void {
  clearTimeout(id);
}

/** Whether this realm is a Web Worker (not the main thread). */
export function isWorkerRealm(): boolean {
  const g = globalThis as unknown as { WorkerGlobalScope?: unknown };
  return typeof g.WorkerGlobalScope !== "undefined";
}
