// StreamReader fed by hand (CPython's test_streams.py, reader parts).
import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  createTask,
  IncompleteReadError,
  LimitOverrunError,
  run,
  RuntimeError,
  sleep,
  StreamReader,
  TestLoop,
  type Transport,
} from "../mod.ts";
import { dec, enc } from "./_net_helpers.ts";

function reader(data?: string, eof = false, limit?: number): StreamReader {
  const r = new StreamReader({ limit });
  if (data !== undefined) r.feedData(enc(data));
  if (eof) r.feedEof();
  return r;
}

Deno.test("StreamReader.read(n) returns what is buffered, up to n; an empty array at EOF", async () => {
  await run(async () => {
    const r = reader("line1\nline2\n");
    assert.equal(dec(await r.read(5)), "line1");
    assert.equal(dec(await r.read(100)), "\nline2\n");
    assert.equal((await r.read(0)).length, 0);
    const later = r.read(10);
    setTimeout(() => r.feedData(enc("late")), 1);
    assert.equal(dec(await later), "late");
    r.feedEof();
    assert.equal((await r.read(10)).length, 0);
    assert.ok(r.atEof());
  });
});

Deno.test("StreamReader.read() and read(-1) read until EOF", async () => {
  await run(async () => {
    const r = reader("chunk1\n");
    const all = r.read(-1);
    await sleep(0);
    r.feedData(enc("chunk2"));
    r.feedEof();
    assert.equal(dec(await all), "chunk1\nchunk2");
    assert.equal(dec(await reader("x", true).read()), "x");
  });
});

Deno.test("StreamReader.readline() returns lines; the rest at EOF; raises RangeError past the limit and consumes the line", async () => {
  await run(async () => {
    const r = reader("a\nbb\ntail", true);
    assert.equal(dec(await r.readline()), "a\n");
    assert.equal(dec(await r.readline()), "bb\n");
    assert.equal(dec(await r.readline()), "tail");
    assert.equal((await r.readline()).length, 0);

    const long = reader("li" + "x".repeat(10) + "\nnext\n", false, 5);
    const e = await Promise.resolve(long.readline()).then(() => null, (x) => x);
    assert.ok(e instanceof RangeError);
    assert.ok((e as RangeError).cause instanceof LimitOverrunError);
    assert.equal(dec(await long.readline()), "next\n");
  });
});

Deno.test("StreamReader.readexactly() reads n bytes or raises IncompleteReadError at EOF", async () => {
  await run(async () => {
    const r = reader("12345678");
    assert.equal(dec(await r.readexactly(3)), "123");
    const rest = r.readexactly(10);
    await sleep(0);
    r.feedEof();
    const e = await Promise.resolve(rest).then(() => null, (x) => x);
    assert.ok(e instanceof IncompleteReadError);
    assert.equal(dec(e.partial), "45678");
    assert.equal(e.expected, 10);
    assert.equal((await reader("").readexactly(0)).length, 0);
    await assert.rejects(
      async () => await reader("").readexactly(-1),
      RangeError,
    );
  });
});

Deno.test("StreamReader.readuntil() takes bytes, strings and lists; IncompleteReadError and LimitOverrunError as CPython", async () => {
  await run(async () => {
    const r = reader("aaa--bbb==ccc");
    assert.equal(dec(await r.readuntil("--")), "aaa--");
    assert.equal(dec(await r.readuntil(enc("=="))), "bbb==");
    r.feedData(enc("|d;"));
    assert.equal(dec(await r.readuntil([";", "|"])), "ccc|");
    r.feedEof();
    const e = await Promise.resolve(r.readuntil("!")).then(
      () => null,
      (x) => x,
    );
    assert.ok(e instanceof IncompleteReadError);
    assert.equal(dec(e.partial), "d;");
    assert.equal(e.expected, null);
    await assert.rejects(
      async () => await reader("x").readuntil(""),
      RangeError,
    );

    const small = reader("0123456789", false, 5);
    const over = await Promise.resolve(small.readuntil("!")).then(
      () => null,
      (x) => x,
    );
    assert.ok(over instanceof LimitOverrunError);
    assert.equal(over.consumed, 10);
    const found = reader("0123456789!", false, 5);
    const over2 = await Promise.resolve(found.readuntil("!")).then(
      () => null,
      (x) => x,
    );
    assert.ok(over2 instanceof LimitOverrunError);
    assert.equal(
      dec(await found.readexactly(11)),
      "0123456789!",
      "data stays in the buffer",
    );
  });
});

Deno.test("StreamReader.readuntil() with a list stops at the match that ends first, whatever the chunks (CPython 3.13)", async () => {
  await run(async () => {
    // "abc" and "b" both match "abc": "b" ends first.
    assert.equal(dec(await reader("abcd").readuntil(["abc", "b"])), "ab");
    const chunked = reader("ab");
    const op = chunked.readuntil(["abc", "b"]);
    chunked.feedData(enc("cd"));
    assert.equal(dec(await op), "ab");
    // At the same end the shortest separator wins: its start is checked
    // against the limit ("\r" starts at 2, past the limit of 1).
    const r = reader("a\n\r", false, 1);
    const e = await Promise.resolve(r.readuntil(["\r", "\n\r"])).then(
      () => null,
      (x) => x,
    );
    assert.ok(e instanceof LimitOverrunError);
    assert.equal(e.consumed, 2);
  });
});

Deno.test("StreamReader.readexactly(n) past twice the limit keeps the transport reading until n bytes are in", async () => {
  const loop = new TestLoop();
  try {
    const r = new StreamReader({ limit: 1, loop });
    let paused = false;
    r.setTransport({
      pauseReading: () => paused = true,
      resumeReading: () => paused = false,
    } as unknown as Transport);
    const t = loop.createTask(() => r.readexactly(4));
    await loop.runUntilIdle();
    r.feedData(enc("aaa"));
    await loop.runUntilIdle();
    assert.equal(paused, false, "a read waits for more: keep reading");
    r.feedData(enc("a"));
    assert.equal(dec(await loop.runUntilComplete(t)), "aaaa");
  } finally {
    loop.close();
  }
});

Deno.test("StreamReader.setException() fails the waiting and later reads", async () => {
  await run(async () => {
    const r = reader();
    const waiting = createTask(() => r.readline());
    await sleep(0);
    r.setException(new Error("broken"));
    await assert.rejects(async () => await waiting, /broken/);
    await assert.rejects(async () => await r.read(1), /broken/);
    assert.equal((r.exception() as Error).message, "broken");
  });
});

Deno.test("StreamReader allows one waiting coroutine at a time (RuntimeError)", async () => {
  await run(async () => {
    const r = reader();
    const first = createTask(() => r.read(1));
    await sleep(0);
    await assert.rejects(async () => await r.read(1), RuntimeError);
    r.feedData(enc("x"));
    assert.equal(dec(await first), "x");
  });
});

Deno.test("StreamReader iterates over lines with for await, and works with yield*", async () => {
  await run(function* (): Coroutine<void> {
    const r = reader("one\ntwo\n", true);
    assert.equal(dec(yield* r.readline()), "one\n");
    assert.equal(dec(yield* r.readexactly(4)), "two\n");
  });
  await run(async () => {
    const r = reader("x\ny\nz", true);
    const lines: string[] = [];
    for await (const l of r) lines.push(dec(l));
    assert.deepEqual(lines, ["x\n", "y\n", "z"]);
    assert.throws(() => r.feedData(enc("late")), RuntimeError);
    assert.throws(() => new StreamReader({ limit: 0 }), RangeError);
  });
});

Deno.test("StreamReader reads are cancel-safe: a task cancelled after its read became ready leaves the bytes", async () => {
  const loop = new TestLoop();
  try {
    for (const kind of ["async", "generator"]) {
      const r = new StreamReader({ loop });
      const t = kind === "async"
        ? loop.createTask(async () => await r.readexactly(3))
        : loop.createTask(function* () {
          return yield* r.readexactly(3);
        });
      await loop.runUntilIdle();
      r.feedData(new TextEncoder().encode("abcdef"));
      t.cancel();
      await assert.rejects(loop.runUntilComplete(t), CancelledError);
      const rest = await loop.runUntilComplete(async () =>
        await r.readexactly(6)
      );
      assert.equal(new TextDecoder().decode(rest), "abcdef", kind);
    }
  } finally {
    loop.close();
  }
});

Deno.test("StreamReader read results stay intact after later reads reuse the buffer", async () => {
  const loop = new TestLoop();
  try {
    const r = new StreamReader({ loop });
    const got: Uint8Array[] = [];
    await loop.runUntilComplete(async () => {
      for (let i = 0; i < 200; i++) {
        r.feedData(new Uint8Array(1000).fill(i));
        got.push(await r.read(1000));
      }
    });
    got.forEach((chunk, i) => {
      assert.equal(chunk.length, 1000);
      assert.ok(chunk.every((b) => b === i), `chunk ${i} intact`);
    });
  } finally {
    loop.close();
  }
});
