/**
 * The async context that tells which Task an async function belongs to.
 * A Task calls its async function inside `taskStorage.run(task, fn)`, so
 * every continuation of that function (and of async functions it calls)
 * sees the task; a Future's `then()` reads it to learn which task awaits.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Task } from "./task.ts";

/** The async-context slot holding the current async-function task. */
export const taskStorage: AsyncLocalStorage<Task<unknown>> =
  new AsyncLocalStorage<Task<unknown>>();
