// Load on loopback at CI sizes (bench/soak.ts runs the same scenarios at
// full size, for as long as asked): many concurrent connections echoing
// byte-exactly, connect/close cycles that leak no descriptor, and a reader
// that does not read while the server writes 100 MiB.
import assert from "node:assert/strict";
import { withLoop } from "./_helpers.ts";
import { connectCloseCycles, echoLoad, slowReader } from "./_load.ts";

function report(name: string, figures: object): void {
  console.log(`${name}: ${JSON.stringify(figures)}`);
}

Deno.test("startServer() and openConnection() echo byte-exactly over 1,000 concurrent connections", async () => {
  await withLoop(async (loop) => {
    const f = await loop.runUntilComplete(() =>
      echoLoad({ connections: 1000, maxMessage: 16 * 1024, seed: 0x10ad })
    );
    report("echo", f);
    assert.equal(f.peakConcurrent, 1000);
  });
});

Deno.test("openConnection() 20,000 connect/close cycles leave no descriptor or resource behind", async () => {
  await withLoop(async (loop) => {
    const f = await loop.runUntilComplete(() =>
      connectCloseCycles({ cycles: 20_000, parallel: 8 })
    );
    report("cycles", f);
    assert.equal(f.fdsAfter, f.fdsBefore, "open descriptors");
    assert.equal(f.resourcesAfter, f.resourcesBefore, "Deno resources");
  });
});

Deno.test("StreamWriter.drain() holds a server writing 100 MiB to a client that does not read under the high-water mark plus one chunk", async () => {
  await withLoop(async (loop) => {
    const chunk = 64 * 1024;
    const f = await loop.runUntilComplete(() =>
      slowReader({ total: 100 * 1024 * 1024, chunk, holdSeconds: 0.3 })
    );
    report("slow reader", f);
    assert.equal(f.read, f.total);
    assert.ok(
      f.maxBuffered <= f.high + chunk,
      `held ${f.maxBuffered} bytes, bound ${f.high + chunk}`,
    );
    assert.equal(f.maxReported, f.maxBuffered, "getWriteBufferSize() is exact");
    // Only what the kernel's socket buffers take, plus the bound, went out
    // while the client did not read.
    assert.ok(f.writtenWhileNotRead < 16 * 1024 * 1024);
  });
});
