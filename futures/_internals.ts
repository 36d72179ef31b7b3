/**
 * What futures and tasks need from their loop beyond `AbstractEventLoop`:
 * the fields `BaseEventLoop` keeps for them. Types only.
 *
 * @module
 */
import type { AbstractEventLoop, Context } from "../loop/events.ts";
import type { Handle } from "../loop/handle.ts";
import type { Task } from "./task.ts";

/** A loop as futures and tasks see it. */
export interface LoopInternals extends AbstractEventLoop {
  /** Debug mode, as a field (read on hot paths). */
  _debug: boolean;
  /** Set by a callback that resumed an async function: yield a microtask. */
  _yieldMicrotask: boolean;
  /** The task whose step is running, or `null`. */
  _currentTask: Task<unknown> | null;
  /** Every pending task of the loop (strong references). */
  _tasks: Set<Task<unknown>>;
  /** `callSoon` without the argument spread: `callback(arg)`. */
  _callSoon1(
    callback: (arg: never) => unknown,
    arg: unknown,
    context: Context | null,
  ): Handle;
}
