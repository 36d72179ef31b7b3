/**
 * Memory per idle object: what an idle task costs (async and generator,
 * waiting on a sleep), measured as the growth of V8's used heap per object
 * after a full GC, and the resident set size with 1,000,000 pending tasks.
 * Run with `--v8-flags=--expose-gc` (the `bench:memory` task does).
 *
 * @module
 */
import * as asyncio from "../mod.ts";

const gc = (globalThis as { gc?: () => void }).gc;

/** One measurement: bytes per object. */
export interface MemoryResult {
  name: string;
  count: number;
  heapBytesPerObject: number;
  rssMiB: number;
}

async function measure(
  name: string,
  count: number,
  spawn: (loop: asyncio.AbstractEventLoop, i: number) => void,
): Promise<MemoryResult> {
  if (!gc) throw new Error("run with --v8-flags=--expose-gc");
  const loop = asyncio.newEventLoop();
  try {
    gc();
    gc();
    const before = Deno.memoryUsage().heapUsed;
    await loop.runUntilComplete(async () => {
      for (let i = 0; i < count; i++) spawn(loop, i);
      await asyncio.sleep(0);
      await asyncio.sleep(0);
    });
    gc();
    gc();
    const after = Deno.memoryUsage().heapUsed;
    const rss = Deno.memoryUsage().rss / 2 ** 20;
    await loop.runUntilComplete(async () => {
      const me = asyncio.currentTask();
      for (const t of asyncio.allTasks()) if (t !== me) t.cancel();
      await asyncio.sleep(0);
      await asyncio.sleep(0);
    });
    return {
      name,
      count,
      heapBytesPerObject: (after - before) / count,
      rssMiB: rss,
    };
  } finally {
    loop.close();
  }
}

/**
 * Idle connections through the streams server: a child process opens
 * `count` connections to a `startServer()` server in this process and
 * keeps them idle. What is measured is the server side only (heap growth
 * per connection after a full GC).
 */
async function measureConnections(count: number): Promise<MemoryResult> {
  if (!gc) throw new Error("run with --v8-flags=--expose-gc");
  const loop = asyncio.newEventLoop();
  try {
    return await loop.runUntilComplete(async () => {
      let connected = 0;
      const all = loop.createFuture<void>();
      const server = await asyncio.startServer(
        async (reader, writer) => {
          if (++connected === count) all.setResult();
          await reader.read(1);
          writer.close();
        },
        "127.0.0.1",
        0,
      );
      const { port } = server.sockets[0].addr as Deno.NetAddr;
      gc();
      gc();
      const before = Deno.memoryUsage().heapUsed;
      const script = `
        const conns = [];
        for (let i = 0; i < ${count}; i++) {
          conns.push(await Deno.connect({ hostname: "127.0.0.1", port: ${port} }));
        }
        console.log("connected");
        for await (const _ of Deno.stdin.readable) { /* until closed */ }
      `;
      const child = new Deno.Command(Deno.execPath(), {
        args: ["eval", script],
        stdin: "piped",
        stdout: "null",
        stderr: "inherit",
      }).spawn();
      try {
        await all;
        await asyncio.sleep(0.05);
        gc();
        gc();
        const after = Deno.memoryUsage().heapUsed;
        const rss = Deno.memoryUsage().rss / 2 ** 20;
        return {
          name: `${
            count.toLocaleString("en")
          } idle streams-server connections (server side)`,
          count,
          heapBytesPerObject: (after - before) / count,
          rssMiB: rss,
        };
      } finally {
        await child.stdin.close();
        await child.status;
        server.close();
        await server.waitClosed();
      }
    });
  } finally {
    loop.close();
  }
}

/** Runs the memory measurements. */
export async function runMemory(scale = 1): Promise<MemoryResult[]> {
  const n = Math.max(10, Math.floor(100_000 * scale));
  const big = Math.max(10, Math.floor(1_000_000 * scale));
  const results: MemoryResult[] = [];
  results.push(
    await measure("idle async task (await sleep(3600))", n, (loop) => {
      loop.createTask(async () => {
        await asyncio.sleep(3600);
      });
    }),
  );
  results.push(
    await measure("idle generator task (yield* sleep(3600))", n, (loop) => {
      loop.createTask(function* () {
        yield* asyncio.sleep(3600);
      });
    }),
  );
  results.push(
    await measure("idle async task (await future)", n, (loop) => {
      const fut = loop.createFuture();
      loop.createTask(async () => {
        await fut;
      });
    }),
  );
  results.push(
    await measure(
      "1,000,000 pending async tasks (await future)",
      big,
      (loop) => {
        const fut = loop.createFuture();
        loop.createTask(async () => {
          await fut;
        });
      },
    ),
  );
  results.push(
    await measureConnections(Math.max(10, Math.floor(10_000 * scale))),
  );
  return results;
}

if (import.meta.main) {
  const smoke = Deno.args.includes("--smoke");
  const results = await runMemory(smoke ? 0.001 : 1);
  console.log("| what | count | heap bytes each | process RSS (MiB) |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const r of results) {
    console.log(
      `| ${r.name} | ${r.count} | ${r.heapBytesPerObject.toFixed(0)} | ${
        r.rssMiB.toFixed(0)
      } |`,
    );
  }
}
