/**
 * Errors across realms. Structured cloning keeps only the built-in error
 * classes, and drops `cause` chains of other values, so a worker sends an
 * error as plain data (class name, message, stack, cause, `errors`, and
 * its other own cloneable properties such as `code`) and the receiving
 * realm rebuilds it: as the built-in class or this module's exception
 * class of that name when there is one, else as an `Error` whose `name`
 * is the remote class name. The stack is the remote one.
 *
 * @module
 */
import * as exceptions from "../futures/exceptions.ts";

/** An error as data, as it crosses to another realm. */
export interface SerializedError {
  /** Set on every serialized error, to tell it from a thrown non-Error. */
  readonly error: true;
  /** The class name (`error.name`). */
  name: string;
  /** The message. */
  message: string;
  /** The stack, as the remote realm printed it. */
  stack?: string;
  /** The serialized `cause`, if any. */
  cause?: SerializedValue;
  /** The serialized `errors` of an `AggregateError`. */
  errors?: SerializedValue[];
  /** Other own properties that could be cloned (`code`, `partial`, ...). */
  props?: Record<string, unknown>;
}

/** A thrown value that is not an Error, cloned or described. */
export interface SerializedThrown {
  /** Set to tell it from a serialized Error. */
  readonly error: false;
  /** The value itself if it could be cloned, else its `String()`. */
  value: unknown;
}

/** What crosses: an Error as data, or another thrown value. */
export type SerializedValue = SerializedError | SerializedThrown;

const MAX_DEPTH = 8;
const SKIPPED = new Set(["name", "message", "stack", "cause", "errors"]);

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** Turns a thrown value into data that structured cloning keeps whole. */
export function serializeError(e: unknown, depth = 0): SerializedValue {
  if (!(e instanceof Error) || depth > MAX_DEPTH) {
    if (e instanceof Error) {
      return { error: true, name: e.name, message: e.message };
    }
    return { error: false, value: cloneable(e) ? e : String(e) };
  }
  const out: SerializedError = {
    error: true,
    name: String(e.name),
    message: String(e.message),
  };
  if (typeof e.stack === "string") out.stack = e.stack;
  if ("cause" in e && e.cause !== undefined) {
    out.cause = serializeError(e.cause, depth + 1);
  }
  const errors = (e as { errors?: unknown }).errors;
  if (Array.isArray(errors)) {
    out.errors = errors.map((x) => serializeError(x, depth + 1));
  }
  for (const key of Object.keys(e)) {
    if (SKIPPED.has(key)) continue;
    const value = (e as unknown as Record<string, unknown>)[key];
    if (typeof value === "function" || !cloneable(value)) continue;
    (out.props ??= {})[key] = value;
  }
  return out;
}

type ErrorClass = new (message?: string, options?: ErrorOptions) => Error;

const BUILTIN: Record<string, ErrorClass> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Our classes whose constructor is not `(message, options)`. */
const SPECIAL = new Set([
  "ExceptionGroup",
  "IncompleteReadError",
  "LimitOverrunError",
]);

/** Our own classes whose constructor takes `(message, options)`. */
const OURS: Record<string, ErrorClass> = {};
for (const [key, value] of Object.entries(exceptions)) {
  if (typeof value !== "function" || SPECIAL.has(key)) continue;
  if (value.prototype instanceof Error) {
    OURS[key] = value as unknown as ErrorClass;
  }
}

const DOM_EXCEPTION_NAMES = new Set([
  "AbortError",
  "DataCloneError",
  "InvalidStateError",
  "NotSupportedError",
  "SyntaxError",
  "TimeoutError",
  "NetworkError",
  "SecurityError",
]);

/** Rebuilds a thrown value from `serializeError()`'s data. */
export function deserializeError(data: SerializedValue): unknown {
  if (!data.error) return data.value;
  const { name, message } = data;
  const options: ErrorOptions | undefined = data.cause === undefined
    ? undefined
    : { cause: deserializeError(data.cause) };
  let err: Error;
  if (data.errors !== undefined) {
    const errors = data.errors.map(deserializeError);
    if (name === "ExceptionGroup") {
      err = new exceptions.ExceptionGroup(
        (data.props?.rawMessage as string | undefined) ?? message,
        errors,
      );
    } else {
      err = new AggregateError(errors, message, options);
    }
  } else if (name === "IncompleteReadError" && data.props !== undefined) {
    err = new exceptions.IncompleteReadError(
      data.props.partial as Uint8Array,
      data.props.expected as number | null,
    );
  } else if (name === "LimitOverrunError" && data.props !== undefined) {
    err = new exceptions.LimitOverrunError(
      message,
      data.props.consumed as number,
    );
  } else if (Object.hasOwn(BUILTIN, name)) {
    err = new BUILTIN[name](message, options);
  } else if (Object.hasOwn(OURS, name)) {
    err = new OURS[name](message, options);
  } else if (DOM_EXCEPTION_NAMES.has(name)) {
    err = new DOMException(message, name);
  } else {
    err = new Error(message, options);
    err.name = name;
  }
  if (data.props !== undefined) {
    for (const [key, value] of Object.entries(data.props)) {
      if (key in err) continue;
      (err as unknown as Record<string, unknown>)[key] = value;
    }
  }
  if (data.stack !== undefined) {
    Object.defineProperty(err, "stack", {
      value: data.stack,
      writable: true,
      configurable: true,
    });
  }
  if (data.cause !== undefined && !("cause" in err)) {
    Object.defineProperty(err, "cause", {
      value: deserializeError(data.cause),
      writable: true,
      configurable: true,
    });
  }
  return err;
}
