/**
 * One test body, two loops: `forEachLoop(name, body)` registers `body`
 * once per loop implementation (the default `DenoEventLoop` and
 * `SelectorEventLoop`), as uvloop runs each test on uvloop and on asyncio.
 * During the test the event-loop policy makes loops of that kind, so
 * `withLoop()`, `newEventLoop()` and `run()` inside the body get it
 * without being told. The selector runs also check that the test left no
 * file descriptor open.
 *
 * On a platform without a selector backend (or without `--allow-ffi`),
 * the selector runs are registered as ignored.
 *
 * @module
 */
import {
  type AbstractEventLoop,
  type AbstractEventLoopPolicy,
  DefaultEventLoopPolicy,
  DenoEventLoop,
  SelectorEventLoop,
  SelectorEventLoopPolicy,
  setEventLoopPolicy,
} from "../mod.ts";

/** A loop implementation the shared tests run on. */
export interface LoopKind {
  /** The class name, shown in test names. */
  readonly name: "DenoEventLoop" | "SelectorEventLoop";
  /** Makes a loop of this kind. */
  make(): AbstractEventLoop;
  /** Makes a policy whose loops are of this kind. */
  policy(): AbstractEventLoopPolicy;
  /** Whether this platform and process can make one. */
  readonly available: boolean;
}

function selectorAvailable(): boolean {
  try {
    new SelectorEventLoop().close();
    return true;
  } catch {
    return false;
  }
}

/** The default loop. */
export const DENO: LoopKind = {
  name: "DenoEventLoop",
  make: () => new DenoEventLoop(),
  policy: () => new DefaultEventLoopPolicy(),
  available: true,
};

/** The selector loop. */
export const SELECTOR: LoopKind = {
  name: "SelectorEventLoop",
  make: () => new SelectorEventLoop(),
  policy: () => new SelectorEventLoopPolicy(),
  available: selectorAvailable(),
};

/** Every loop kind, in the order tests are registered. */
export const LOOP_KINDS: readonly LoopKind[] = [DENO, SELECTOR];

/** The open descriptors of this process (Linux), or `null` elsewhere. */
function openFds(): Set<string> | null {
  try {
    return new Set([...Deno.readDirSync("/proc/self/fd")].map((e) => e.name));
  } catch {
    return null;
  }
}

function describeFd(fd: string): string {
  try {
    return `${fd} -> ${Deno.readLinkSync(`/proc/self/fd/${fd}`)}`;
  } catch {
    return fd;
  }
}

/**
 * Registers `body` as one test per loop kind, named `name [LoopClass]`.
 * The policy makes loops of that kind while the test runs.
 */
export function forEachLoop(
  name: string,
  body: (kind: LoopKind) => void | Promise<void>,
  kinds: readonly LoopKind[] = LOOP_KINDS,
): void {
  for (const kind of kinds) {
    Deno.test({
      name: `${name} [${kind.name}]`,
      ignore: !kind.available,
      async fn() {
        const before = kind === SELECTOR ? openFds() : null;
        setEventLoopPolicy(kind.policy());
        try {
          await body(kind);
        } finally {
          setEventLoopPolicy(null);
        }
        if (before !== null) {
          const leaked = [...(openFds() ?? [])].filter((fd) => !before.has(fd));
          // The directory listing itself held one descriptor.
          const real = leaked.filter((fd) => {
            try {
              Deno.readLinkSync(`/proc/self/fd/${fd}`);
              return true;
            } catch {
              return false;
            }
          });
          if (real.length > 0) {
            throw new Error(
              `the test left descriptors open: ${
                real.map(describeFd).join(", ")
              }`,
            );
          }
        }
      },
    });
  }
}
