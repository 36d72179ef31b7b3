/**
 * Write flow control shared by the loop's transports (asyncio's
 * `_FlowControlMixin`): the high and low water marks, and the protocol's
 * `pauseWriting()`/`resumeWriting()` calls, whose failures go to the
 * loop's exception handler.
 *
 * A transport owns one `WriteFlowControl` and reports its buffer size to
 * it after every change (`update(size)`).
 *
 * @module
 */
import type { AbstractEventLoop } from "../loop/events.ts";
import { describe } from "../loop/_describe.ts";
import type { BaseProtocol } from "./protocol.ts";

/** The default high-water mark (64 KiB). */
export const DEFAULT_HIGH_WATER = 64 * 1024;

/** Checks and fills in water marks as asyncio does; returns `[high, low]`. */
export function computeLimits(
  high?: number | null,
  low?: number | null,
): [number, number] {
  for (const [name, v] of [["high", high], ["low", low]] as const) {
    if (v != null && (typeof v !== "number" || Number.isNaN(v))) {
      const err = typeof v !== "number" ? TypeError : RangeError;
      throw new err(
        `Cannot set write buffer limits as '${name}' must be a number of bytes: current value is ${
          describe(v)
        }`,
      );
    }
  }
  if (high == null) high = low == null ? DEFAULT_HIGH_WATER : 4 * low;
  if (low == null) low = Math.floor(high / 4);
  if (!(high >= low && low >= 0)) {
    throw new RangeError(
      `Cannot set write buffer limits as 'high' (${high}) must be >= 'low' (${low}) must be >= 0`,
    );
  }
  return [high, low];
}

/** The water marks of one transport and the protocol calls they cause. */
export class WriteFlowControl {
  /** The high-water mark, in bytes. */
  high = DEFAULT_HIGH_WATER;
  /** The low-water mark, in bytes. */
  low = DEFAULT_HIGH_WATER / 4;
  /** Whether `pauseWriting()` was called without `resumeWriting()` since. */
  paused = false;
  readonly #loop: AbstractEventLoop;
  readonly #transport: { getProtocol(): BaseProtocol };

  constructor(
    loop: AbstractEventLoop,
    transport: { getProtocol(): BaseProtocol },
  ) {
    this.#loop = loop;
    this.#transport = transport;
  }

  /** Sets the marks (see `WriteTransport.setWriteBufferLimits`). */
  setLimits(
    high: number | null | undefined,
    low: number | null | undefined,
    size: number,
  ): void {
    [this.high, this.low] = computeLimits(high, low);
    this.update(size);
  }

  /** The marks as `[low, high]`. */
  limits(): [number, number] {
    return [this.low, this.high];
  }

  /** Calls `pauseWriting()`/`resumeWriting()` as `size` requires. */
  update(size: number): void {
    if (!this.paused) {
      if (size > this.high) this.#call(true);
    } else if (size <= this.low) {
      this.#call(false);
    }
  }

  #call(pause: boolean): void {
    this.paused = pause;
    const protocol = this.#transport.getProtocol();
    try {
      if (pause) protocol.pauseWriting();
      else protocol.resumeWriting();
    } catch (exception) {
      this.#loop.callExceptionHandler({
        message: `protocol.${
          pause ? "pauseWriting" : "resumeWriting"
        }() failed`,
        exception,
        transport: this.#transport,
        protocol,
      });
    }
  }
}
