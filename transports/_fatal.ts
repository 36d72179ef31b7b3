/**
 * What every transport does on a fatal error (CPython's `_fatal_error`):
 * an error that is not an OS error goes to the loop's exception handler,
 * then the transport closes at once with it.
 *
 * @module
 */
import type { AbstractEventLoop } from "../loop/events.ts";
import type { BaseProtocol } from "./protocol.ts";
import { _isOSError } from "./os_errors.ts";

/** The parts of a transport `fatalError()` uses. */
export interface FatalErrorTarget {
  /** @internal */ _loop: AbstractEventLoop;
  /** @internal */ _protocol: BaseProtocol;
  /** @internal Drops what is queued and schedules `connectionLost(exc)`. */
  _forceClose(exc: Error | null): void;
}

/**
 * Reports `exc` (unless `isOSError(exc)`: an OS error only ends the
 * connection, as in asyncio) and force-closes `transport` with it.
 */
export function fatalError(
  transport: FatalErrorTarget,
  exc: unknown,
  message: string,
  isOSError: (e: unknown) => boolean = _isOSError,
): void {
  if (!isOSError(exc)) {
    transport._loop.callExceptionHandler({
      message,
      exception: exc,
      transport,
      protocol: transport._protocol,
    });
  }
  transport._forceClose(exc instanceof Error ? exc : new Error(String(exc)));
}
