/**
 * One echo server per core, the way an asyncio service outgrows one core:
 * each Web Worker runs its own event loop (`run()` works in a Worker) and
 * its own server on the same port, shared with `reusePort` (`SO_REUSEPORT`:
 * the kernel spreads new connections over the workers' listeners).
 *
 *     deno run --unstable-net --allow-net --allow-read examples/multicore_echo.ts --port 8888 --workers 4
 *
 * `reusePort` is an unstable option of `Deno.listen` (`--unstable-net`),
 * and a Linux feature (elsewhere only one worker gets connections).
 * `--allow-read` lets the workers load this file. The main thread prints a
 * line when a worker accepts its first connection.
 *
 * @module
 */
import * as asyncio from "../mod.ts";
import { hostPort } from "./_args.ts";

interface WorkerScope {
  name: string;
  postMessage(message: unknown): void;
  onmessage: ((e: MessageEvent) => void) | null;
}
const scope = globalThis as unknown as WorkerScope;
const WorkerGlobalScope =
  (globalThis as { WorkerGlobalScope?: new () => unknown })
    .WorkerGlobalScope;
const inWorker = WorkerGlobalScope !== undefined &&
  globalThis instanceof WorkerGlobalScope;

class EchoProtocol extends asyncio.Protocol {
  transport!: asyncio.Transport;
  override connectionMade(transport: asyncio.Transport): void {
    this.transport = transport;
    connections++;
    if (connections === 1) scope.postMessage({ firstConnection: scope.name });
  }
  override dataReceived(data: Uint8Array): void {
    this.transport.write(data);
  }
}
let connections = 0;

/** A worker: its own loop, its own listener on the shared port. */
async function serve(host: string, port: number): Promise<void> {
  await asyncio.run(async () => {
    const loop = asyncio.getRunningLoop();
    const server = await loop.createServer(
      () => new EchoProtocol(),
      host,
      port,
      {
        reusePort: true,
      },
    );
    const addr = server.sockets[0].addr as Deno.NetAddr;
    scope.postMessage({ listening: addr.port });
    await server.serveForever();
  });
}

/** Starts a worker serving `port`; resolves to the port it listens on. */
function startWorker(index: number, host: string, port: number) {
  const worker = new Worker(import.meta.url, {
    type: "module",
    name: `worker ${index}`,
  });
  return new Promise<number>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent) => {
      if (e.data.listening !== undefined) resolve(e.data.listening);
      if (e.data.firstConnection !== undefined) {
        console.log(`${e.data.firstConnection} accepted its first connection`);
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`worker ${index} failed: ${e.message}`));
    };
    worker.postMessage({ host, port });
  });
}

if (inWorker) {
  scope.onmessage = (e: MessageEvent) => {
    scope.onmessage = null;
    serve(e.data.host, e.data.port);
  };
} else {
  const { host, port } = hostPort(8888);
  const w = Deno.args.indexOf("--workers");
  const workers = w === -1
    ? navigator.hardwareConcurrency
    : Number(Deno.args[w + 1]);
  // The first worker picks the port (when --port 0), the others join it.
  const shared = await startWorker(1, host, port);
  const rest = [];
  for (let i = 2; i <= workers; i++) rest.push(startWorker(i, host, shared));
  await Promise.all(rest);
  console.log(
    `multicore_echo listening on ${host}:${shared} (${workers} workers)`,
  );
}
