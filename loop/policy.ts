/**
 * Event-loop policies and the functions that reach the current loop:
 * `getEventLoop`, `setEventLoop`, `newEventLoop`, `getEventLoopPolicy`,
 * `setEventLoopPolicy` (CPython's `asyncio.events`). The policy is the one
 * global object; replacing it is how another loop implementation plugs in.
 * The default policy keeps one loop per realm (the main thread or a
 * Worker) and creates one by itself only on the main thread.
 *
 * @module
 */
import { RuntimeError } from "../futures/exceptions.ts";
import { AbstractEventLoop } from "./events.ts";
import { DenoEventLoop } from "./deno_event_loop.ts";
import {
  _getRunningLoop,
  _setGetEventLoopHook,
  getRunningLoop,
} from "./_current.ts";
import { isWorkerRealm } from "./_host.ts";
import { describe } from "./_describe.ts";

export { getRunningLoop };

/**
 * The interface of an event-loop policy: what `getEventLoop()`,
 * `setEventLoop()` and `newEventLoop()` do.
 *
 * @example A policy that always makes a fresh loop
 * ```ts
 * import { AbstractEventLoopPolicy, type AbstractEventLoop, DenoEventLoop } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * class FreshPolicy extends AbstractEventLoopPolicy {
 *   #loop: AbstractEventLoop | null = null;
 *   getEventLoop() { return this.#loop ??= this.newEventLoop(); }
 *   setEventLoop(loop: AbstractEventLoop | null) { this.#loop = loop; }
 *   newEventLoop() { return new DenoEventLoop(); }
 * }
 * const policy = new FreshPolicy();
 * const loop = policy.getEventLoop();
 * assert.equal(policy.getEventLoop(), loop);
 * loop.close();
 * ```
 */
export abstract class AbstractEventLoopPolicy {
  /** The loop of the current context (realm). */
  abstract getEventLoop(): AbstractEventLoop;
  /** Sets the loop of the current context; `null` clears it. */
  abstract setEventLoop(loop: AbstractEventLoop | null): void;
  /** Creates a new loop (not set as current). */
  abstract newEventLoop(): AbstractEventLoop;
}

/**
 * The base of the default policies: one loop per realm, created on demand
 * only on the main thread (in a Worker, `getEventLoop()` without
 * `setEventLoop()` is a `RuntimeError`). Subclasses say which loop
 * `newEventLoop()` makes, through `loopFactory`.
 *
 * @example A policy for another loop class
 * ```ts
 * import { BaseDefaultEventLoopPolicy, BaseEventLoop } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const policy = new BaseDefaultEventLoopPolicy(() => new BaseEventLoop());
 * const loop = policy.newEventLoop();
 * assert.ok(loop instanceof BaseEventLoop);
 * loop.close();
 * ```
 */
export class BaseDefaultEventLoopPolicy extends AbstractEventLoopPolicy {
  #loop: AbstractEventLoop | null = null;
  #setCalled = false;
  readonly #factory: () => AbstractEventLoop;

  /**
   * Creates the policy.
   *
   * @param loopFactory Makes the loops of this policy.
   */
  constructor(loopFactory: () => AbstractEventLoop) {
    super();
    this.#factory = loopFactory;
  }

  /**
   * The loop of this realm. On the main thread, one is created and set the
   * first time if `setEventLoop()` was never called.
   *
   * @throws {RuntimeError} If there is none (in a Worker, or after
   * `setEventLoop(null)`).
   */
  getEventLoop(): AbstractEventLoop {
    if (this.#loop === null && !this.#setCalled && !isWorkerRealm()) {
      this.setEventLoop(this.newEventLoop());
    }
    if (this.#loop === null) {
      throw new RuntimeError(
        `There is no current event loop in thread '${
          isWorkerRealm() ? "Worker" : "MainThread"
        }'.`,
      );
    }
    return this.#loop;
  }

  /**
   * Sets the loop of this realm; `null` clears it.
   *
   * @throws {TypeError} If `loop` is not an event loop or `null`.
   */
  setEventLoop(loop: AbstractEventLoop | null): void {
    if (loop !== null && !(loop instanceof AbstractEventLoop)) {
      throw new TypeError(
        `loop must be an instance of AbstractEventLoop or null, not ${
          describe(loop)
        }`,
      );
    }
    this.#setCalled = true;
    this.#loop = loop;
  }

  /** Creates a new loop with the policy's factory. */
  newEventLoop(): AbstractEventLoop {
    return this.#factory();
  }
}

/**
 * The default policy: `DenoEventLoop`s, one per realm.
 *
 * @example
 * ```ts
 * import { DefaultEventLoopPolicy, DenoEventLoop } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = new DefaultEventLoopPolicy().newEventLoop();
 * assert.ok(loop instanceof DenoEventLoop);
 * loop.close();
 * ```
 */
export class DefaultEventLoopPolicy extends BaseDefaultEventLoopPolicy {
  constructor() {
    super(() => new DenoEventLoop());
  }
}

let policy: AbstractEventLoopPolicy | null = null;

/**
 * The current event-loop policy (the default one unless one was set).
 *
 * @example
 * ```ts
 * import { DefaultEventLoopPolicy, getEventLoopPolicy } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.ok(getEventLoopPolicy() instanceof DefaultEventLoopPolicy);
 * ```
 */
export function getEventLoopPolicy(): AbstractEventLoopPolicy {
  return (policy ??= new DefaultEventLoopPolicy());
}

/**
 * Sets the event-loop policy; `null` restores the default.
 *
 * @throws {TypeError} If `newPolicy` is not a policy or `null`.
 *
 * @example Plugging in another loop
 * ```ts
 * import {
 *   BaseDefaultEventLoopPolicy, BaseEventLoop, newEventLoop, setEventLoopPolicy,
 * } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * setEventLoopPolicy(new BaseDefaultEventLoopPolicy(() => new BaseEventLoop()));
 * const loop = newEventLoop();
 * assert.equal(loop.constructor, BaseEventLoop);
 * loop.close();
 * setEventLoopPolicy(null);
 * ```
 */
export function setEventLoopPolicy(
  newPolicy: AbstractEventLoopPolicy | null,
): void {
  if (newPolicy !== null && !(newPolicy instanceof AbstractEventLoopPolicy)) {
    throw new TypeError(
      `policy must be an instance of AbstractEventLoopPolicy or null, not ${
        describe(newPolicy)
      }`,
    );
  }
  policy = newPolicy;
}

/**
 * The running loop if there is one; otherwise the policy's loop for this
 * realm (created on the main thread if none was set).
 *
 * @throws {RuntimeError} If there is none (in a Worker without
 * `setEventLoop()`).
 *
 * @example
 * ```ts
 * import { getEventLoop, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   assert.ok(getEventLoop().isRunning());
 * });
 * ```
 */
export function getEventLoop(): AbstractEventLoop {
  return _getRunningLoop() ?? getEventLoopPolicy().getEventLoop();
}

/**
 * Sets the policy's loop for this realm; `null` clears it.
 *
 * @example
 * ```ts
 * import { getEventLoop, newEventLoop, setEventLoop } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * setEventLoop(loop);
 * assert.equal(getEventLoop(), loop);
 * setEventLoop(null);
 * loop.close();
 * ```
 */
export function setEventLoop(loop: AbstractEventLoop | null): void {
  getEventLoopPolicy().setEventLoop(loop);
}

/**
 * Creates a new loop with the current policy (not set as current).
 *
 * @example
 * ```ts
 * import { newEventLoop } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * assert.equal(loop.isRunning(), false);
 * loop.close();
 * assert.ok(loop.isClosed());
 * ```
 */
export function newEventLoop(): AbstractEventLoop {
  return getEventLoopPolicy().newEventLoop();
}

_setGetEventLoopHook(() => getEventLoopPolicy().getEventLoop());
