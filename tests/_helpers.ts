/**
 * Test helpers: loops that fail a test on any stray exception-handler call
 * (as uvloop's test base does), and small utilities.
 *
 * @module
 */
import {
  type AbstractEventLoop,
  type ExceptionContext,
  newEventLoop,
  TestLoop,
  type TestLoopOptions,
} from "../mod.ts";

/** Records every exception-handler call of `loop`. */
export function recordExceptions(loop: AbstractEventLoop): ExceptionContext[] {
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_loop, context) => {
    seen.push(context);
  });
  return seen;
}

function failOnStray(seen: ExceptionContext[]): void {
  if (seen.length > 0) {
    const first = seen[0];
    throw new Error(
      `unexpected exception-handler call: ${first.message}`,
      { cause: first.exception },
    );
  }
}

/**
 * Runs `body` with a fresh real loop, closes it after, and fails if the
 * exception handler was called (unless `body` cleared `seen`).
 */
export async function withLoop<T>(
  body: (loop: AbstractEventLoop, seen: ExceptionContext[]) => Promise<T> | T,
): Promise<T> {
  const loop = newEventLoop();
  const seen = recordExceptions(loop);
  try {
    const result = await body(loop, seen);
    failOnStray(seen);
    return result;
  } finally {
    if (!loop.isClosed()) loop.close();
  }
}

/** As `withLoop`, with a `TestLoop` (virtual clock). */
export async function withTestLoop<T>(
  body: (loop: TestLoop, seen: ExceptionContext[]) => Promise<T> | T,
  options?: TestLoopOptions,
): Promise<T> {
  const loop = new TestLoop(options);
  const seen = recordExceptions(loop);
  try {
    const result = await body(loop, seen);
    failOnStray(seen);
    return result;
  } finally {
    if (!loop.isClosed()) loop.close();
  }
}

/** Runs `loop` for a few iterations (asyncio's `test_utils.run_briefly`). */
export async function runBriefly(
  loop: AbstractEventLoop,
  iterations = 2,
): Promise<void> {
  let left = iterations;
  const step = () => {
    if (--left <= 0) loop.stop();
    else loop.callSoon(step);
  };
  loop.callSoon(step);
  await loop.runForever();
}

/** A deterministic PRNG (mulberry32), for tests that shuffle. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
