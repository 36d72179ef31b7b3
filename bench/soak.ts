/**
 * `deno task soak --duration=10m`: the load scenarios of `tests/load_test.ts`
 * at full size, round after round, for as long as asked (default 60 s),
 * on loopback only. Each round: 1,000 concurrent connections echoing
 * random messages of up to 64 KiB byte-exactly, 20,000 connect/close
 * cycles, and a server writing 100 MiB to a client that does not read for
 * a while. Any wrong byte, broken bound or leaked descriptor stops the run
 * with an error; at the end the figures are printed (and written as JSON
 * with `--json=path`).
 *
 *     deno task soak                      # 60 seconds
 *     deno task soak --duration=15m       # s, m or h; a bare number is seconds
 *     deno task soak --duration=30s --connections=2000 --cycles=50000
 *
 * @module
 */
import { run } from "../mod.ts";
import {
  connectCloseCycles,
  echoLoad,
  openFds,
  openResources,
  slowReader,
} from "../tests/_load.ts";

function flag(name: string, fallback: string): string {
  const hit = Deno.args.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : hit.slice(name.length + 3);
}

/** Seconds in `60`, `60s`, `5m` or `1h`. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim());
  if (m === null) {
    throw new RangeError(
      `Cannot run the soak as '--duration' must be a number of seconds, or end in s, m or h: current value is ${text}`,
    );
  }
  return Number(m[1]) *
    { s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h" ?? "s"];
}

const rssMiB = () => Math.round(Deno.memoryUsage().rss / 2 ** 20);

const duration = parseDuration(flag("duration", "60"));
const connections = Number(flag("connections", "1000"));
const cycles = Number(flag("cycles", "20000"));
const mib = Number(flag("mib", "100"));
const json = flag("json", "");

const totals = {
  durationSeconds: 0,
  rounds: 0,
  connectionsOpened: 0,
  peakConcurrentConnections: 0,
  echoBytesEachWay: 0,
  connectCloseCycles: 0,
  slowReaderBytes: 0,
  maxBufferedOverHigh: 0,
  fdsAtStart: 0,
  fdsAtEnd: 0,
  resourcesAtStart: null as number | null,
  resourcesAtEnd: null as number | null,
  rssMiBAfterFirstRound: 0,
  rssMiBAtEnd: 0,
  leaks: 0,
};

const t0 = performance.now();
const elapsed = () => (performance.now() - t0) / 1000;
await run(async () => {
  let round = 0;
  do {
    const echo = await echoLoad({
      connections,
      maxMessage: 64 * 1024,
      seed: 0x50a4 + round,
    });
    if (echo.peakConcurrent !== connections) {
      throw new Error(
        `round ${round}: ${echo.peakConcurrent} connections at once, not ${connections}`,
      );
    }
    const cyc = await connectCloseCycles({ cycles, parallel: 8 });
    if (
      cyc.fdsAfter !== cyc.fdsBefore ||
      cyc.resourcesAfter !== cyc.resourcesBefore
    ) {
      totals.leaks++;
      throw new Error(`round ${round}: leak: ${JSON.stringify(cyc)}`);
    }
    const chunk = 64 * 1024;
    const slow = await slowReader({
      total: mib * 1024 * 1024,
      chunk,
      holdSeconds: 0.5,
    });
    if (slow.maxBuffered > slow.high + chunk || slow.read !== slow.total) {
      throw new Error(`round ${round}: slow reader: ${JSON.stringify(slow)}`);
    }
    if (round === 0) {
      // After a first round, Deno has opened what it opens on first use.
      totals.fdsAtStart = openFds();
      totals.resourcesAtStart = openResources();
      totals.rssMiBAfterFirstRound = rssMiB();
    }
    totals.rounds++;
    totals.connectionsOpened += echo.connections + cyc.cycles;
    totals.peakConcurrentConnections = Math.max(
      totals.peakConcurrentConnections,
      echo.peakConcurrent,
    );
    totals.echoBytesEachWay += echo.bytesEachWay;
    totals.connectCloseCycles += cyc.cycles;
    totals.slowReaderBytes += slow.read;
    totals.maxBufferedOverHigh = Math.max(
      totals.maxBufferedOverHigh,
      slow.maxBuffered - slow.high,
    );
    console.log(
      `round ${round}: echo ${echo.connections} conns ${
        (echo.bytesEachWay / 2 ** 20).toFixed(1)
      } MiB in ${echo.seconds.toFixed(2)}s; ${cyc.cycles} cycles in ${
        cyc.seconds.toFixed(2)
      }s (fds ${cyc.fdsBefore}->${cyc.fdsAfter}); slow reader ${mib} MiB in ${
        slow.seconds.toFixed(2)
      }s, held <= ${slow.maxBuffered} (high ${slow.high} + chunk ${chunk}); rss ${rssMiB()} MiB`,
    );
    round++;
  } while (elapsed() < duration);
  totals.fdsAtEnd = openFds();
  totals.resourcesAtEnd = openResources();
  totals.rssMiBAtEnd = rssMiB();
});
totals.durationSeconds = Math.round(elapsed());
if (
  totals.rounds > 1 && (totals.fdsAtEnd !== totals.fdsAtStart ||
    totals.resourcesAtEnd !== totals.resourcesAtStart)
) {
  totals.leaks++;
}
console.log(JSON.stringify(totals, null, 2));
if (json !== "") Deno.writeTextFileSync(json, JSON.stringify(totals, null, 2));
if (totals.leaks > 0) {
  console.error("leaks found");
  Deno.exit(1);
}
