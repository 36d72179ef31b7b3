/**
 * The running loop of this realm, and the hook through which futures reach
 * the event-loop policy. A leaf module: `futures/` imports it, it imports
 * nothing of ours but types and errors, so the import graph has no cycle.
 *
 * @module
 */
import { RuntimeError } from "../futures/exceptions.ts";
import type { AbstractEventLoop } from "./events.ts";

let running: AbstractEventLoop | null = null;
let getEventLoopHook: (() => AbstractEventLoop) | null = null;

/**
 * Return the loop that is running in this realm (the main thread or a
 * Worker).
 *
 * @throws {RuntimeError} If no loop is running.
 */
export function getRunningLoop(): AbstractEventLoop {
  if (running === null) throw new RuntimeError("no running event loop");
  return running;
}

/** The running loop, or `null`; never throws. */
export function _getRunningLoop(): AbstractEventLoop | null {
  return running;
}

/** Marks `loop` as the running loop of this realm (or clears it). */
export function _setRunningLoop(loop: AbstractEventLoop | null): void {
  running = loop;
}

/** Installs the policy's `getEventLoop` (done once by `policy.ts`). */
export function _setGetEventLoopHook(hook: () => AbstractEventLoop): void {
  getEventLoopHook = hook;
}

/**
 * The running loop, or else the policy's current loop: what a `Future`
 * created without a `loop` option attaches to.
 */
export function _getEventLoop(): AbstractEventLoop {
  if (running !== null) return running;
  if (getEventLoopHook === null) {
    throw new RuntimeError(
      "no event loop policy is installed: import mod.ts, not a single file",
    );
  }
  return getEventLoopHook();
}
