/**
 * Property-test setup: fast-check (pinned in deno.json), run with a fixed seed per
 * property so CI is deterministic.
 *
 * - `ASYNCIO_PROPERTY_SEED=<n>` replays every property with that seed
 *   (fast-check prints the seed, and the path of the shrunk counterexample,
 *   when a property fails); `ASYNCIO_PROPERTY_PATH=<path>` replays just that
 *   counterexample.
 * - `ASYNCIO_PROPERTY_RUNS=<n>` changes the number of runs (the CI default
 *   of each property is given where it is declared), for longer hunts.
 *
 * @module
 */
import fc from "fast-check";

export { fc };

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env: the defaults
  }
}

/** The run settings of a property: its seed and number of runs. */
export function settings(
  seed: number,
  numRuns: number,
): { seed: number; numRuns: number; path?: string; endOnFailure: boolean } {
  const s = env("ASYNCIO_PROPERTY_SEED");
  const r = env("ASYNCIO_PROPERTY_RUNS");
  const path = env("ASYNCIO_PROPERTY_PATH");
  const out: {
    seed: number;
    numRuns: number;
    path?: string;
    endOnFailure: boolean;
  } = {
    seed: s !== undefined && s !== "" ? Number(s) : seed,
    numRuns: r !== undefined && r !== "" ? Number(r) : numRuns,
    endOnFailure: false,
  };
  if (path !== undefined && path !== "") out.path = path;
  return out;
}

/**
 * Checks an async property with a fixed seed; on failure the error names
 * the seed and the counterexample (fast-check's report), and how to replay
 * it.
 */
export async function checkAsync<Ts extends [unknown, ...unknown[]]>(
  seed: number,
  numRuns: number,
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  predicate: (...args: Ts) => Promise<boolean | void>,
): Promise<void> {
  const params = settings(seed, numRuns);
  const property = fc.asyncProperty(...arbitraries, predicate);
  const details = await fc.check(property, params);
  if (details.failed) {
    throw new Error(
      `${fc.defaultReportMessage(details)}\n` +
        `Replay with ASYNCIO_PROPERTY_SEED=${details.seed}` +
        (details.counterexamplePath !== null
          ? ` ASYNCIO_PROPERTY_PATH=${details.counterexamplePath}`
          : ""),
      { cause: details.errorInstance },
    );
  }
}

/** As `checkAsync`, for a synchronous property. */
export function check<Ts extends [unknown, ...unknown[]]>(
  seed: number,
  numRuns: number,
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  predicate: (...args: Ts) => boolean | void,
): void {
  const params = settings(seed, numRuns);
  const property = fc.property(...arbitraries, predicate);
  const details = fc.check(property, params);
  if (details.failed) {
    throw new Error(
      `${fc.defaultReportMessage(details)}\n` +
        `Replay with ASYNCIO_PROPERTY_SEED=${details.seed}` +
        (details.counterexamplePath !== null
          ? ` ASYNCIO_PROPERTY_PATH=${details.counterexamplePath}`
          : ""),
      { cause: details.errorInstance },
    );
  }
}
