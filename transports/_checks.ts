/**
 * The argument checks the connection, server, pipe and datagram functions
 * of both loops share, so they answer bad input the same way: a wrong type
 * is a `TypeError`, a bad value a `RangeError`, each naming the argument
 * and its value (std wording).
 *
 * @module
 */
import { describe } from "../loop/_describe.ts";

/** `factory` must be a function (a protocol factory). */
export function checkFactory(factory: unknown, what: string): void {
  if (typeof factory !== "function") {
    throw new TypeError(
      `Cannot ${what} as 'protocolFactory' must be a function: current value is ${
        describe(factory)
      }`,
    );
  }
}

/**
 * `port` must be an integer from 0 to 65535; `name` says whose port it is
 * in the message (`'port'`, or `the port of 'remoteAddr'`).
 */
export function checkPort(
  port: unknown,
  what: string,
  name = "'port'",
): number {
  if (
    typeof port !== "number" || !Number.isInteger(port) || port < 0 ||
    port > 65535
  ) {
    throw new (typeof port !== "number" ? TypeError : RangeError)(
      `Cannot ${what} as ${name} must be an integer from 0 to 65535: current value is ${
        describe(port)
      }`,
    );
  }
  return port;
}

/** `backlog` must be an integer, or undefined (then `fallback`). */
export function checkBacklog(
  backlog: unknown,
  what: string,
  fallback: number,
): number {
  if (backlog === undefined) return fallback;
  if (typeof backlog !== "number" || !Number.isInteger(backlog)) {
    throw new (typeof backlog !== "number" ? TypeError : RangeError)(
      `Cannot ${what} as 'backlog' must be an integer: current value is ${
        describe(backlog)
      }`,
    );
  }
  return backlog;
}
