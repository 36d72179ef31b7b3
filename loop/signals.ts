/**
 * Signals (CPython's `unix_events.py`, signal parts) on
 * `Deno.addSignalListener`: signal names, the realm's signal dispositions,
 * and Ctrl-C in `run()`.
 *
 * ## One handler per signal, as `signal.signal()` keeps
 *
 * A process has one disposition per signal; Deno instead lets any number
 * of listeners pile up, and restores the default action (a SIGINT ends the
 * process) once the last is removed. This module keeps, per realm, at most
 * one listener of ours per signal: installing a handler replaces the one
 * before, removing it restores the default. `loop.addSignalHandler()` and
 * `run()`'s Ctrl-C handler go through it, so that, as in CPython, a loop's
 * SIGINT handler displaces `run()`'s, and removing it restores the default
 * (Ctrl-C ends the program).
 *
 * ## Ctrl-C in `run()`
 *
 * On the main thread, where signals are supported, and unless a SIGINT
 * handler is already installed, `run()`/`Runner.run()` install one for the
 * run (CPython's `Runner._on_sigint`): the first Ctrl-C cancels the main
 * task, and if it ends cancelled the run rejects with `KeyboardInterrupt`;
 * a second Ctrl-C while it is still pending (or once it is done) does what
 * Python's default does, it interrupts the process: the handler is removed
 * and the process sends itself SIGINT (with `--allow-run`), or else exits
 * with status 130 (128 + SIGINT). A program that never yields to the loop
 * (a synchronous busy loop) cannot see Ctrl-C at all: JavaScript delivers
 * signals as events.
 *
 * @module
 */
import { RuntimeError } from "../futures/exceptions.ts";
import type { Task } from "../futures/task.ts";
import type { AbstractEventLoop } from "./events.ts";
import { _runHooks, type RunHookRunner } from "./_run_hooks.ts";
import { describe } from "./_describe.ts";
import { isWorkerRealm } from "./_host.ts";

const LINUX = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGKILL",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGSTKFLT",
  "SIGCHLD",
  "SIGCONT",
  "SIGSTOP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGPOLL",
  "SIGPWR",
  "SIGSYS",
  "SIGUNUSED",
];

const BSD = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGEMT",
  "SIGFPE",
  "SIGKILL",
  "SIGBUS",
  "SIGSEGV",
  "SIGSYS",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGURG",
  "SIGSTOP",
  "SIGTSTP",
  "SIGCONT",
  "SIGCHLD",
  "SIGTTIN",
  "SIGTTOU",
  "SIGIO",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGINFO",
  "SIGUSR1",
  "SIGUSR2",
];

const WINDOWS = ["SIGINT", "SIGBREAK"];

/** Signals no process can catch, and those Deno refuses to bind. */
const UNCATCHABLE = new Set([
  "SIGKILL",
  "SIGSTOP",
  "SIGSEGV",
  "SIGILL",
  "SIGFPE",
]);

interface DenoSignals {
  build: { os: string };
  addSignalListener(sig: string, fn: () => void): void;
  removeSignalListener(sig: string, fn: () => void): void;
}

function deno(): DenoSignals | null {
  const d = (globalThis as { Deno?: DenoSignals }).Deno;
  return d !== undefined && typeof d.addSignalListener === "function"
    ? d
    : null;
}

let known: Set<string> | null = null;

/** The signal names of this platform. */
function platformSignals(): Set<string> {
  if (known === null) {
    const os = deno()?.build.os ?? "linux";
    known = new Set(
      os === "windows"
        ? WINDOWS
        : os === "darwin" || os.endsWith("bsd")
        ? BSD
        : os === "linux" || os === "android"
        ? LINUX
        : [...LINUX, ...BSD, ...WINDOWS],
    );
  }
  return known;
}

/** Whether this runtime delivers signals (`Deno.addSignalListener`). */
export function _signalsSupported(): boolean {
  return deno() !== null;
}

/**
 * Checks a signal argument (asyncio's `_check_signal`) and returns it.
 *
 * @throws {TypeError} If `sig` is not a string.
 * @throws {RangeError} If it names no signal of this platform.
 */
export function _checkSignal(sig: unknown, action: string): string {
  if (typeof sig !== "string") {
    throw new TypeError(
      `Cannot ${action} as 'sig' must be a signal name such as "SIGINT": current value is ${
        describe(sig)
      }`,
    );
  }
  if (!platformSignals().has(sig)) {
    throw new RangeError(
      `Cannot ${action} as 'sig' must be a signal of this platform (${
        [...platformSignals()].join(", ")
      }): current value is ${describe(sig)}`,
    );
  }
  return sig;
}

// ---- the realm's signal dispositions ----

const dispositions = new Map<string, () => void>();

/** The handler of ours installed for `sig` in this realm, or `null`. */
export function _getSignalHandler(sig: string): (() => void) | null {
  return dispositions.get(sig) ?? null;
}

/**
 * Installs `fn` as this realm's handler of `sig` (replacing the one
 * before), or with `null` restores the default action.
 *
 * @throws {RuntimeError} If the signal cannot be caught (SIGKILL,
 *   SIGSTOP, ...) or signals are not supported here; the handler before
 *   stays.
 */
export function _setSignalHandler(sig: string, fn: (() => void) | null): void {
  const d = deno();
  const prev = dispositions.get(sig);
  if (prev === fn) return;
  if (fn !== null) {
    if (UNCATCHABLE.has(sig)) {
      throw new RuntimeError(`sig ${sig} cannot be caught`);
    }
    if (d === null) {
      throw new RuntimeError(
        `Cannot add a handler for ${sig} as this runtime delivers no signals (no Deno.addSignalListener)`,
      );
    }
    try {
      d.addSignalListener(sig, fn);
    } catch (e) {
      throw new RuntimeError(
        `Cannot add a handler for ${sig}: ${(e as Error).message}`,
        { cause: e },
      );
    }
    dispositions.set(sig, fn);
  } else {
    dispositions.delete(sig);
  }
  // Removed after the new one is in, so no signal meets the default action.
  if (prev !== undefined) d?.removeSignalListener(sig, prev);
}

/**
 * Calls this realm's handler of `sig` as if the signal had arrived (as
 * CPython's tests use `_thread.interrupt_main()`); false if there is none.
 */
export function _simulateSignal(sig: string): boolean {
  const fn = dispositions.get(sig);
  if (fn === undefined) return false;
  fn();
  return true;
}

// ---- Ctrl-C in run() ----

function noop(): void {}

/** What Python's default SIGINT handling ends in: the process stops. */
function interruptProcess(): void {
  const d = (globalThis as {
    Deno?: {
      pid: number;
      kill(pid: number, sig: string): void;
      exit(code: number): never;
      permissions: { querySync(desc: { name: string }): { state: string } };
    };
  }).Deno;
  if (d === undefined) return;
  try {
    // With no handler left, SIGINT's default action ends the process now.
    if (d.permissions.querySync({ name: "run" }).state === "granted") {
      d.kill(d.pid, "SIGINT");
      // The signal reaches the process on another thread, a moment later
      // (seen: 1 in 30 runs before exit() below); wait for it, blocking,
      // so that nothing of the program runs meanwhile.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  } catch {
    // No permission to signal ourselves: exit as a SIGINT would.
  }
  d.exit(130);
}

/** `run()`'s Ctrl-C handling, installed through `_runHooks`. */
function ctrlCHook(
  loop: AbstractEventLoop,
  main: Task<unknown>,
  runner: RunHookRunner,
): () => void {
  if (
    isWorkerRealm() || !_signalsSupported() ||
    _getSignalHandler("SIGINT") !== null
  ) {
    return noop;
  }
  const onSigint = () => {
    runner._interruptCount++;
    if (runner._interruptCount === 1 && !main.done()) {
      main.cancel();
      // Wake the loop if it waits with nothing scheduled.
      if (!loop.isClosed()) loop.callSoonThreadsafe(noop);
      return;
    }
    _setSignalHandler("SIGINT", null);
    interruptProcess();
  };
  try {
    _setSignalHandler("SIGINT", onSigint);
  } catch {
    return noop;
  }
  return () => {
    if (_getSignalHandler("SIGINT") === onSigint) {
      _setSignalHandler("SIGINT", null);
    }
  };
}

_runHooks.push(ctrlCHook);
