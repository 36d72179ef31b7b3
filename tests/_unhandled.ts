/**
 * A harness that detects unhandled promise rejections (what would end a
 * Deno program) while a test body runs: it listens for `unhandledrejection`,
 * keeps the process alive with `preventDefault()`, and fails the test with
 * what it saw.
 *
 * @module
 */
import assert from "node:assert/strict";

/**
 * Runs `body`, then lets pending rejections surface (one host timer turn),
 * and fails if any promise rejection went unhandled meanwhile.
 */
export async function noUnhandledRejections<T>(
  body: () => Promise<T>,
): Promise<T> {
  const seen: unknown[] = [];
  const listener = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    seen.push(event.reason);
  };
  globalThis.addEventListener("unhandledrejection", listener);
  try {
    const result = await body();
    await new Promise((resolve) => setTimeout(resolve, 10));
    return result;
  } finally {
    globalThis.removeEventListener("unhandledrejection", listener);
    assert.deepEqual(
      seen.map((r) => r instanceof Error ? `${r.name}: ${r.message}` : r),
      [],
      "unhandled promise rejections",
    );
  }
}
