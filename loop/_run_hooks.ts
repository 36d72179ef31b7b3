/**
 * The hooks every `Runner.run()` installs (see `runner.ts`), in a leaf
 * module so that the platform layer (`signals.ts`) can register its hook
 * without an import cycle through `runner.ts`.
 *
 * @module
 */
import type { Task } from "../futures/task.ts";
import type { AbstractEventLoop } from "./events.ts";

/** What a hook sees of the runner: its count of Ctrl-C presses. */
export interface RunHookRunner {
  /** Ctrl-C presses seen during the current `run()`. */
  _interruptCount: number;
}

/**
 * A hook: called with the loop, the main task and the runner when a
 * `run()` starts; returns a function that undoes it when the run ends.
 */
export type RunHook = (
  loop: AbstractEventLoop,
  main: Task<unknown>,
  runner: RunHookRunner,
) => () => void;

/** The installed hooks, in installation order. */
export const _runHooks: RunHook[] = [];
