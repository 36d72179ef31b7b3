// Property tests of StreamReader: the same bytes in any chunking give the
// results of a reference model, a direct transcription of CPython's
// streams.py read methods onto a plain array, limit overruns and EOF in the
// middle of a separator included. Seeded: see tests/_property.ts to replay.
import assert from "node:assert/strict";
import {
  createTask,
  IncompleteReadError,
  LimitOverrunError,
  sleep,
  StreamReader,
  TestLoop,
  type Transport,
} from "../mod.ts";
import { checkAsync, fc } from "./_property.ts";
import { recordExceptions } from "./_helpers.ts";

type Op =
  | { k: "read"; n: number }
  | { k: "readline" }
  | { k: "readexactly"; n: number }
  | { k: "readuntil"; seps: number[][]; asList: boolean };

/** What a read gave: its bytes, or its error with the error's data. */
type Outcome =
  | { ok: string }
  | {
    err: string;
    message: string;
    partial?: string;
    expected?: number | null;
    consumed?: number;
  };

const str = (b: ArrayLike<number>): string =>
  String.fromCharCode(...Array.from(b));

// ---- the reference model: CPython's algorithms, one chunk per wait ----

class ModelIncomplete {
  constructor(readonly partial: number[], readonly expected: number | null) {}
}
class ModelOverrun {
  constructor(readonly message: string, readonly consumed: number) {}
}
class ModelValueError {
  constructor(readonly message: string) {}
}

class Model {
  buf: number[] = [];
  eof = false;
  next = 0;
  constructor(readonly chunks: number[][], readonly limit: number) {}

  /** `_wait_for_data()`: the producer's next chunk, or EOF after the last. */
  wait(): void {
    assert.ok(!this.eof, "the model waits after EOF");
    if (this.next < this.chunks.length) {
      this.buf.push(...this.chunks[this.next++]);
    } else this.eof = true;
  }

  take(n: number): number[] {
    return this.buf.splice(0, n);
  }

  read(n: number): number[] {
    if (n === 0) return [];
    if (n < 0) {
      const out: number[] = [];
      for (;;) {
        const block = this.read(this.limit);
        if (block.length === 0) return out;
        out.push(...block);
      }
    }
    if (this.buf.length === 0 && !this.eof) this.wait();
    return this.take(n);
  }

  readexactly(n: number): number[] {
    if (n === 0) return [];
    while (this.buf.length < n) {
      if (this.eof) throw new ModelIncomplete(this.take(this.buf.length), n);
      this.wait();
    }
    return this.take(n);
  }

  find(sep: number[], from: number): number {
    outer: for (let i = from; i + sep.length <= this.buf.length; i++) {
      for (let j = 0; j < sep.length; j++) {
        if (this.buf[i + j] !== sep[j]) continue outer;
      }
      return i;
    }
    return -1;
  }

  readuntil(separators: number[][]): number[] {
    // Shortest first: at the same end, the shortest separator wins.
    const seps = [...separators].sort((a, b) => a.length - b.length);
    const minLen = seps[0].length;
    const maxLen = seps[seps.length - 1].length;
    let offset = 0;
    let matchStart = -1;
    let matchEnd = -1;
    for (;;) {
      const buflen = this.buf.length;
      if (buflen - offset >= minLen) {
        for (const sep of seps) {
          const i = this.find(sep, offset);
          if (i !== -1) {
            const end = i + sep.length;
            if (matchEnd === -1 || end < matchEnd) {
              matchEnd = end;
              matchStart = i;
            }
          }
        }
        if (matchEnd !== -1) break;
        offset = Math.max(0, buflen + 1 - maxLen);
        if (offset > this.limit) {
          throw new ModelOverrun(
            "Separator is not found, and chunk exceed the limit",
            offset,
          );
        }
      }
      if (this.eof) throw new ModelIncomplete(this.take(buflen), null);
      this.wait();
    }
    if (matchStart > this.limit) {
      throw new ModelOverrun(
        "Separator is found, but chunk is longer than limit",
        matchStart,
      );
    }
    return this.take(matchEnd);
  }

  readline(): number[] {
    try {
      return this.readuntil([[10]]);
    } catch (e) {
      if (e instanceof ModelIncomplete) return e.partial;
      if (e instanceof ModelOverrun) {
        if (this.buf[e.consumed] === 10) this.take(e.consumed + 1);
        else this.take(this.buf.length);
        throw new ModelValueError(e.message);
      }
      throw e;
    }
  }
}

function modelOutcome(f: () => number[]): Outcome {
  try {
    return { ok: str(f()) };
  } catch (e) {
    if (e instanceof ModelIncomplete) {
      return {
        err: "IncompleteReadError",
        message: `${e.partial.length} bytes read on a total of ${
          e.expected === null ? "undefined" : e.expected
        } expected bytes`,
        partial: str(e.partial),
        expected: e.expected,
      };
    }
    if (e instanceof ModelOverrun) {
      return {
        err: "LimitOverrunError",
        message: e.message,
        consumed: e.consumed,
      };
    }
    if (e instanceof ModelValueError) {
      return { err: "RangeError", message: e.message };
    }
    throw e;
  }
}

function runModel(chunks: number[][], ops: Op[], limit: number): Outcome[] {
  const m = new Model(chunks, limit);
  const out = ops.map((op) =>
    modelOutcome(() => {
      switch (op.k) {
        case "read":
          return m.read(op.n);
        case "readline":
          return m.readline();
        case "readexactly":
          return m.readexactly(op.n);
        case "readuntil":
          return m.readuntil(op.seps);
      }
    })
  );
  out.push(modelOutcome(() => m.read(-1)));
  return out;
}

// ---- the real reader, fed one chunk per virtual second ----

function realOutcome(e: unknown): Outcome {
  if (e instanceof IncompleteReadError) {
    return {
      err: e.name,
      message: e.message,
      partial: str(e.partial),
      expected: e.expected,
    };
  }
  if (e instanceof LimitOverrunError) {
    return { err: e.name, message: e.message, consumed: e.consumed };
  }
  if (e instanceof RangeError) return { err: e.name, message: e.message };
  throw e;
}

async function runReal(
  chunks: number[][],
  ops: Op[],
  limit: number,
): Promise<Outcome[]> {
  const loop = new TestLoop();
  // A stalled reader leaves the loop with nothing to do: this timer is
  // then the next thing, and fails the run instead of hanging.
  let stalled = false;
  const watchdog = loop.callLater(1e6, () => {
    stalled = true;
    main.cancel();
  });
  const seen = recordExceptions(loop);
  const main = loop.createTask(async () => {
    const reader = new StreamReader({ limit, loop });
    // A transport that stops feeding while the reader paused it, as a
    // real one does: a read that waits must resume it, or this stalls.
    let paused = false;
    reader.setTransport({
      pauseReading() {
        assert.ok(!paused, "paused twice");
        paused = true;
      },
      resumeReading() {
        assert.ok(paused, "resumed while reading");
        paused = false;
      },
    } as unknown as Transport);
    const producer = createTask(async () => {
      for (const c of chunks) {
        do {
          await sleep(1);
          assert.ok(loop.time() < 10_000, "the reader stalled while paused");
        } while (paused);
        reader.feedData(new Uint8Array(c));
        // Past twice the limit the reader pauses the transport, unless a
        // read waits for more.
        const state = reader.toString();
        const held = state.match(/ (\d+) bytes/);
        if (held !== null && Number(held[1]) > 2 * limit) {
          assert.ok(paused || state.includes("waiter"), state);
        }
      }
      await sleep(1);
      reader.feedEof();
    });
    const out: Outcome[] = [];
    const attempt = async (f: () => PromiseLike<Uint8Array>) => {
      try {
        out.push({ ok: str(await f()) });
      } catch (e) {
        out.push(realOutcome(e));
      }
    };
    for (const op of ops) {
      await attempt(() => {
        switch (op.k) {
          case "read":
            return reader.read(op.n);
          case "readline":
            return reader.readline();
          case "readexactly":
            return reader.readexactly(op.n);
          case "readuntil": {
            const seps = op.seps.map((s) => new Uint8Array(s));
            return reader.readuntil(op.asList ? seps : seps[0]);
          }
        }
      });
    }
    await attempt(() => reader.read());
    await producer;
    assert.ok(reader.atEof());
    watchdog.cancel();
    return out;
  });
  try {
    return await loop.runUntilComplete(main);
  } catch (e) {
    if (stalled) throw new Error("the reader stalled", { cause: e });
    throw e;
  } finally {
    loop.close();
    assert.deepEqual(seen.map((c) => String(c.exception ?? c.message)), []);
  }
}

// ---- arbitraries ----

/** Bytes from a small alphabet, so that separators occur and overlap. */
const byte = fc.constantFrom(97, 98, 99, 10, 13);
const data = fc.array(byte, { maxLength: 64 });
const cuts = fc.array(fc.integer({ min: 1, max: 63 }), { maxLength: 16 });
const separator = fc.array(byte, { minLength: 1, maxLength: 3 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("read" as const),
      n: fc.oneof(
        { weight: 1, arbitrary: fc.constant(-1) },
        { weight: 6, arbitrary: fc.integer({ min: 0, max: 12 }) },
      ),
    }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("readline" as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("readexactly" as const),
      n: fc.integer({ min: 0, max: 12 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("readuntil" as const),
      seps: fc.array(separator, { minLength: 1, maxLength: 3 }),
      asList: fc.boolean(),
    }).map((o) => o.seps.length > 1 ? { ...o, asList: true } : o),
  },
);
const ops = fc.array(op, { maxLength: 10 });

function chunk(bytes: number[], at: number[]): number[][] {
  const points = [...new Set(at.filter((p) => p < bytes.length))].sort((
    a,
    b,
  ) => a - b);
  const out: number[][] = [];
  let start = 0;
  for (const p of [...points, bytes.length]) {
    if (p > start) out.push(bytes.slice(start, p));
    start = p;
  }
  return out;
}

Deno.test("StreamReader read methods give the reference model's results in any chunking, limit overruns and EOF mid-separator included", async () => {
  await checkAsync(
    0x5eed01,
    400,
    [data, cuts, ops, fc.integer({ min: 1, max: 24 })],
    async (bytes, at, list, limit) => {
      const chunks = chunk(bytes, at);
      assert.deepEqual(
        await runReal(chunks, list, limit),
        runModel(chunks, list, limit),
      );
    },
  );
});

// `read(n)` gives what has arrived, so it is left out here.
const wholeOps = fc.array(
  op.filter((o) => o.k !== "read" || o.n <= 0),
  { maxLength: 10 },
);

Deno.test("StreamReader results do not depend on the chunking when no limit is overrun", async () => {
  await checkAsync(
    0x5eed02,
    200,
    [data, cuts, wholeOps],
    async (bytes, at, list) => {
      const whole = bytes.length === 0 ? [] : [bytes];
      assert.deepEqual(
        await runReal(chunk(bytes, at), list, 1000),
        await runReal(whole, list, 1000),
      );
    },
  );
});
