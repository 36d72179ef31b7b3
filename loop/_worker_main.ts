/**
 * The program of each Worker of a `WorkerPoolExecutor`: it runs one job at
 * a time and answers each with its result or its error.
 *
 * Messages in: `[id, kind, payload, args, label]`, where `kind` 0 sends a
 * function's source (`payload` is the source text) and `kind` 1 a module
 * export (`payload` is `[moduleUrl, exportName]`). Messages out:
 * `[id, 0, result]`, `[id, 1, error]` (an error as data), and
 * `[0, 2, error]` when the worker crashes (an uncaught error, an
 * unhandled rejection, or a job that calls `close()` or `Deno.exit()`),
 * just before it closes itself.
 *
 * @module
 */
import { serializeError } from "./_remote_error.ts";
import {
  type AnyFn,
  compileFunction,
  explainClosureError,
} from "./_function_source.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
  addEventListener(
    type: "error" | "unhandledrejection",
    listener: (event: Event & { error?: unknown; reason?: unknown }) => void,
  ): void;
}

const scope = globalThis as unknown as WorkerScope;

/** Compiled sources, by text (bounded: cleared when it grows past this). */
const MAX_COMPILED = 1024;
const compiled = new Map<string, AnyFn>();
const modules = new Map<string, Promise<Record<string, unknown>>>();

function fromSource(source: string): AnyFn {
  let fn = compiled.get(source);
  if (fn === undefined) {
    fn = compileFunction(source);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(source, fn);
  }
  return fn;
}

async function fromModule(href: string, name: string): Promise<AnyFn> {
  let mod = modules.get(href);
  if (mod === undefined) {
    mod = import(href);
    modules.set(href, mod);
    mod.catch(() => modules.delete(href));
  }
  const fn = (await mod)[name];
  if (typeof fn !== "function") {
    throw new TypeError(
      `Cannot run '${name}' from ${href} as it is not an exported function: ${
        fn === undefined ? "there is no such export" : `it is a ${typeof fn}`
      }`,
    );
  }
  return fn as AnyFn;
}

function reply(id: number, value: unknown, label: string): void {
  try {
    scope.postMessage([id, 0, value]);
  } catch (e) {
    scope.postMessage([
      id,
      1,
      serializeError(
        new TypeError(
          `Cannot send the result of ${label} back from the worker as it cannot be structured-cloned: ${
            (e as Error).message
          }`,
        ),
      ),
    ]);
  }
}

function fail(id: number, error: unknown): void {
  scope.postMessage([id, 1, serializeError(error)]);
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === "object" || typeof x === "function") &&
    typeof (x as PromiseLike<unknown>).then === "function";
}

scope.onmessage = (event: MessageEvent) => {
  const [id, kind, payload, args, label] = event.data as [
    number,
    number,
    unknown,
    unknown[],
    string,
  ];
  if (kind === 0) {
    const source = payload as string;
    let result: unknown;
    try {
      result = fromSource(source)(...args);
    } catch (e) {
      fail(id, explainClosureError(e, source, label));
      return;
    }
    if (isThenable(result)) {
      Promise.resolve(result).then(
        (value) => reply(id, value, label),
        (e) => fail(id, explainClosureError(e, source, label)),
      );
    } else {
      reply(id, result, label);
    }
    return;
  }
  const [href, name] = payload as [string, string];
  fromModule(href, name)
    .then((fn) => fn(...args))
    .then((value) => reply(id, value, label), (e) => fail(id, e));
};

const closeWorker = scope.close.bind(scope);

function crash(error: unknown): void {
  scope.postMessage([0, 2, serializeError(error)]);
  closeWorker();
}

// A job that ends its own worker, by close() or Deno.exit(), would leave
// the pool waiting for its answer for ever (a Worker that closes itself
// tells no one): it is a crash, reported as such.
scope.close = () => {
  crash(new Error("The worker was closed by the job (close())"));
};
const deno = globalThis.Deno as unknown as { exit?: (code?: number) => never };
if (deno !== undefined) {
  deno.exit = ((code?: number) => {
    crash(
      new Error(`The worker was ended by the job (Deno.exit(${code ?? ""}))`),
    );
  }) as (code?: number) => never;
}

scope.addEventListener("error", (event) => {
  event.preventDefault();
  crash(event.error ?? new Error(String((event as ErrorEvent).message)));
});
scope.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  crash(event.reason);
});
