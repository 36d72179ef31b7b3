/**
 * What futures and tasks need from their loop beyond `AbstractEventLoop`:
 * the fields `BaseEventLoop` keeps for them. Types only.
 *
 * @module
 */
import type { AbstractEventLoop, Context } from "../loop/events.ts";
import type { Handle } from "../loop/handle.ts";
import type { Task } from "./task.ts";
import type { TaskList } from "./_task_list.ts";

/** A loop as futures and tasks see it. */
export interface LoopInternals extends AbstractEventLoop {
  /** Debug mode, as a field (read on hot paths). */
  _debug: boolean;
  /** Set by a callback that resumed an async function: yield a microtask. */
  _yieldMicrotask: boolean;
  /** The task whose step is running, or `null`. */
  _currentTask: Task<unknown> | null;
  /** Every pending task of the loop (strong references). */
  _tasks: TaskList<Task<unknown>>;
  /** Queues a task (its own ready-queue item) for the next iteration. */
  _schedule(item: { _cancelled: boolean; _run(): void }): void;
  /** Runs a task right after the callback now running (same iteration). */
  _scheduleNext(item: { _cancelled: boolean; _run(): void }): void;
  /** Throws RuntimeError if the loop is closed. */
  _checkClosed(): void;
  /** Puts a timer entry in the heap (assigns its sequence number). */
  _addTimer(entry: {
    _when: number;
    _seq: number;
    _scheduled: boolean;
    readonly _cancelled: boolean;
    _run(): void;
  }): void;
  /** A scheduled timer entry was cancelled. */
  _timerHandleCancelled(entry: { _scheduled: boolean }): void;
  /**
   * `callSoon` for the loop's own one-argument calls: `callback.call(target,
   * arg)`, with no arguments array.
   */
  _callSoon1(
    callback: (arg: never) => unknown,
    arg: unknown,
    context: Context | null,
    target: unknown,
  ): Handle;
}
