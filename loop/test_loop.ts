/**
 * `TestLoop`: an event loop on a virtual clock, for tests (asyncio's
 * `test_utils.TestLoop`, trio's `MockClock`, std's `FakeTime`). Time moves
 * only when the test says so (`advance()`), or, with `autojump` (the
 * default), jumps straight to the next timer whenever nothing else is ready,
 * so code that sleeps for an hour is tested in microseconds.
 *
 * @module
 */
import { DenoEventLoop } from "./deno_event_loop.ts";
import { hop } from "./_host.ts";
import { describe } from "./_describe.ts";

/** Options of `new TestLoop()`. */
export interface TestLoopOptions {
  /**
   * When nothing is ready, jump the clock to the next timer (default true).
   * Off, the clock moves only with `advance()`.
   */
  autojump?: boolean;
  /** The initial time, in seconds (default 0). */
  start?: number;
}

/**
 * An event loop whose `time()` is virtual. With `autojump` (the default),
 * when no callback is ready the clock jumps to the next timer after one turn
 * of Deno's event loop (so I/O that already completed is seen first);
 * without it, the test moves the clock with `advance()` and the loop waits
 * until it does.
 *
 * Use it for code that waits on time: timeouts, retries, rate limits. It
 * is a `DenoEventLoop`, so it can do real I/O too; real I/O happens in real
 * time, and `autojump` jumps as soon as nothing is ready after one turn of
 * Deno's loop, so a timer may fire before a slow peer answers: for tests of
 * real sockets that race timers, use `autojump: false` or a real loop.
 *
 * @example An hour of sleeping, in no time
 * ```ts
 * import { sleep, TestLoop } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = new TestLoop();
 * const t0 = performance.now();
 * await loop.runUntilComplete(async () => { await sleep(3600); });
 * assert.equal(loop.time(), 3600);
 * assert.ok(performance.now() - t0 < 1000);
 * loop.close();
 * ```
 *
 * @example Scripted time
 * ```ts
 * import { TestLoop } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = new TestLoop({ autojump: false });
 * const fired: number[] = [];
 * loop.callLater(10, () => fired.push(loop.time()));
 * await loop.runUntilIdle();
 * assert.deepEqual(fired, []);
 * loop.advance(10);
 * await loop.runUntilIdle();
 * assert.deepEqual(fired, [10]);
 * loop.close();
 * ```
 */
export class TestLoop extends DenoEventLoop {
  #now: number;
  /** Whether the clock jumps to the next timer when nothing is ready. */
  autojump: boolean;

  /**
   * Creates a test loop at virtual time `start` (default 0).
   *
   * @param options `autojump` and `start`.
   */
  constructor(options?: TestLoopOptions) {
    super();
    const start = options?.start ?? 0;
    if (typeof start !== "number" || !Number.isFinite(start)) {
      throw new RangeError(
        `Cannot create TestLoop as 'start' must be a finite number of seconds: current value is ${
          describe(start)
        }`,
      );
    }
    this.#now = start;
    this.autojump = options?.autojump ?? true;
    this._clockResolution = 1e-9;
  }

  /** The virtual time, in seconds. */
  override time(): number {
    return this.#now;
  }

  /**
   * Moves the clock forward by `seconds`; timers that become due fire in the
   * next iteration (the loop is woken if it waits).
   *
   * @throws {RangeError} If `seconds` is negative or not finite.
   */
  advance(seconds: number): void {
    if (
      typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0
    ) {
      throw new RangeError(
        `Cannot advance TestLoop as 'seconds' must be a finite number >= 0: current value is ${
          describe(seconds)
        }`,
      );
    }
    this.#now += seconds;
    this._wake();
  }

  /**
   * Runs the loop until no callback is ready and no timer is due, without
   * moving the clock; then stops it.
   *
   * Rejects with `RuntimeError` if the loop is running or closed.
   */
  runUntilIdle(): Promise<void> {
    const check = () => {
      const top = this._scheduled.peek();
      const due = top !== undefined && !top._cancelled &&
        top._when <= this.#now;
      if (this._ready.length === 0 && !due) this.stop();
      else this.callSoon(check);
    };
    try {
      this.callSoon(check);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.runForever();
  }

  /** @internal Jumps the clock (autojump) or waits for `advance()`. */
  override async _idle(timeout: number): Promise<void> {
    if (this.autojump && timeout !== Infinity) {
      await hop();
      if (this._ready.length === 0 && !this._stopping) {
        const top = this._scheduled.peek();
        if (top !== undefined && top._when > this.#now) this.#now = top._when;
      }
      return;
    }
    await new Promise<void>((resolve) => {
      this._idleResolve = resolve;
    });
  }
}
