/**
 * `DenoEventLoop`: the default loop, a proactor on Deno's APIs (CPython's
 * `proactor_events.py` in spirit: Deno completes reads and writes, it does
 * not report readiness). File-descriptor callbacks (`addReader` and
 * friends) need a selector loop, so they throw `NotImplementedError`.
 *
 * @module
 */
import { BaseEventLoop } from "./base_event_loop.ts";
import { NotImplementedError } from "../futures/exceptions.ts";

function needsSelector(method: string): never {
  throw new NotImplementedError(
    `${method} is not supported by DenoEventLoop: Deno hides file descriptors. ` +
      "Use SelectorEventLoop for it: run(main, { loopFactory: () => new SelectorEventLoop() })",
  );
}

/**
 * The default event loop of this module: the shared scheduler of
 * `BaseEventLoop` plus I/O on Deno's APIs (`Deno.listen`, `Deno.connect`,
 * `Deno.Command`, ...). `newEventLoop()` returns one.
 *
 * @example
 * ```ts
 * import { DenoEventLoop, newEventLoop, NotImplementedError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * assert.ok(loop instanceof DenoEventLoop);
 * assert.throws(() => loop.addReader(0, () => {}), NotImplementedError);
 * loop.close();
 * ```
 */
export class DenoEventLoop extends BaseEventLoop {
  /**
   * Not supported: Deno hides file descriptors.
   *
   * @throws {NotImplementedError} Always; the message names SelectorEventLoop.
   */
  override addReader<A extends unknown[]>(
    _fd: number,
    _callback: (...args: A) => unknown,
    ..._args: A
  ): void {
    needsSelector("addReader()");
  }

  /**
   * Not supported: Deno hides file descriptors.
   *
   * @throws {NotImplementedError} Always; the message names SelectorEventLoop.
   */
  override removeReader(_fd: number): boolean {
    return needsSelector("removeReader()");
  }

  /**
   * Not supported: Deno hides file descriptors.
   *
   * @throws {NotImplementedError} Always; the message names SelectorEventLoop.
   */
  override addWriter<A extends unknown[]>(
    _fd: number,
    _callback: (...args: A) => unknown,
    ..._args: A
  ): void {
    needsSelector("addWriter()");
  }

  /**
   * Not supported: Deno hides file descriptors.
   *
   * @throws {NotImplementedError} Always; the message names SelectorEventLoop.
   */
  override removeWriter(_fd: number): boolean {
    return needsSelector("removeWriter()");
  }
}
