/**
 * `deno task bench:echo`: TCP echo servers against a load generator on
 * loopback, one server at a time: raw `Deno.listen` (the reference) and
 * ours in `Protocol`, `BufferedProtocol`, streams and `sock*` styles, on
 * the default loop and (`sel-*`) on `SelectorEventLoop`.
 * 1 KiB, 10 KiB and 100 KiB messages, 10 concurrent connections (as
 * uvloop's echo benchmark); prints requests per second and the ratio to raw
 * measured in the same round.
 *
 * The load generator is `bench/echo_load.c`, built with `gcc` into a temp
 * dir (a Deno client is used when gcc is missing, and the table says so).
 * Each server runs as its own `deno run` process, pinned to core 0 with
 * `taskset` when present, the load generator to core 1.
 *
 *     deno task bench:echo            # full run (5 s per cell, 3 rounds)
 *     deno task bench:echo --smoke    # a tiny run, to check it works
 *
 * @module
 */

/** The server styles, in table order (`sel-`: on `SelectorEventLoop`). */
export const STYLES = [
  "raw",
  "protocol",
  "buffered",
  "streams",
  "sock",
  "sel-protocol",
  "sel-streams",
  "sel-sock",
];
/** Message sizes in bytes. */
export const SIZES = [1024, 10 * 1024, 100 * 1024];

const here = new URL(".", import.meta.url);

async function has(cmd: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("sh", {
      args: ["-c", `command -v ${cmd}`],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/** Builds the C load generator; its path, or `null` without gcc. */
export async function buildLoadGenerator(): Promise<string | null> {
  if (!(await has("gcc"))) return null;
  const dir = await Deno.makeTempDir({ prefix: "echo_load_" });
  const out = `${dir}/echo_load`;
  const r = await new Deno.Command("gcc", {
    args: ["-O2", "-o", out, new URL("echo_load.c", here).pathname],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!r.success) {
    console.error(new TextDecoder().decode(r.stderr));
    return null;
  }
  return out;
}

interface Running {
  port: number;
  stop(): Promise<void>;
}

/**
 * CPython's servers, run when `python3` (and, for uvloop's, the `uvloop`
 * package) is installed: same clients, same table.
 */
export const PYTHON_STYLES = [
  "asyncio-protocol",
  "asyncio-streams",
  "uvloop-protocol",
  "uvloop-streams",
];

/** The Python interpreter the CPython servers run on. */
let pythonBin = "python3";

/**
 * Which of the Python styles can run here (and why the others cannot).
 * Prefers an interpreter that has uvloop (Debian's `python3-uvloop`
 * installs it for `/usr/bin/python3`).
 */
export async function availablePythonStyles(): Promise<
  { styles: string[]; note: string }
> {
  const probe = async (python: string, code: string) => {
    try {
      return (await new Deno.Command(python, {
        args: ["-c", code],
        stdout: "null",
        stderr: "null",
      }).output()).success;
    } catch {
      return false;
    }
  };
  for (const python of ["python3", "/usr/bin/python3"]) {
    if (await probe(python, "import uvloop")) {
      pythonBin = python;
      return { styles: PYTHON_STYLES, note: "" };
    }
  }
  if (!(await probe("python3", "import asyncio"))) {
    return { styles: [], note: "python3 not found: no CPython servers" };
  }
  return {
    styles: PYTHON_STYLES.filter((s) => s.startsWith("asyncio")),
    note: "uvloop not installed (Debian: python3-uvloop): no uvloop servers",
  };
}

async function startServer(style: string, pin: boolean): Promise<Running> {
  const python = PYTHON_STYLES.includes(style);
  const script = new URL(python ? "echo_servers.py" : "echo_servers.ts", here)
    .pathname;
  const program = python ? pythonBin : Deno.execPath();
  const args = python ? [script, style, "0"] : [
    "run",
    "--allow-net",
    "--allow-ffi",
    script,
    style,
    "0",
  ];
  const child = new Deno.Command(pin ? "taskset" : program, {
    args: pin ? ["-c", "0", program, ...args] : args,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server ${style} exited before listening`);
    text += value;
  }
  const port = Number(/:(\d+)/.exec(text)?.[1]);
  return {
    port,
    async stop() {
      await reader.cancel();
      child.kill("SIGKILL");
      await child.status;
    },
  };
}

/** A load generator in Deno, for machines without gcc. */
async function denoLoad(
  port: number,
  size: number,
  conns: number,
  seconds: number,
): Promise<number> {
  const msg = new Uint8Array(size).fill(97);
  let requests = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: conns }, async () => {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    c.setNoDelay(true);
    const buf = new Uint8Array(size);
    while (performance.now() < end) {
      let off = 0;
      while (off < size) off += await c.write(msg.subarray(off));
      let got = 0;
      while (got < size) {
        const n = await c.read(buf.subarray(got));
        if (n === null) throw new Error("server closed");
        got += n;
      }
      requests++;
    }
    c.close();
  }));
  return requests / seconds;
}

async function load(
  gen: string | null,
  port: number,
  size: number,
  conns: number,
  seconds: number,
  warmup: number,
  pin: boolean,
): Promise<number> {
  if (gen === null) return await denoLoad(port, size, conns, seconds);
  const args = [
    "127.0.0.1",
    String(port),
    String(size),
    String(conns),
    String(seconds),
    String(warmup),
  ];
  const out = await new Deno.Command(pin ? "taskset" : gen, {
    args: pin ? ["-c", "1", gen, ...args] : args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `load generator failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return JSON.parse(new TextDecoder().decode(out.stdout)).rps;
}

/** One row of results: requests per second per size. */
export interface EchoRow {
  style: string;
  rps: number[];
  ratio: number[];
}

/** Runs the benchmark; resolves to the table rows. */
export async function runEcho(options: {
  smoke: boolean;
  styles?: string[];
  seconds?: number;
  rounds?: number;
}): Promise<{ rows: EchoRow[]; generator: string }> {
  const smoke = options.smoke;
  const styles = options.styles ?? STYLES;
  const seconds = options.seconds ?? (smoke ? 0.2 : 5);
  const warmup = smoke ? 0.05 : 1;
  const rounds = options.rounds ?? (smoke ? 1 : 3);
  const sizes = smoke ? [1024, 100 * 1024] : SIZES;
  const conns = smoke ? 2 : 10;
  const pin = await has("taskset");
  const gen = await buildLoadGenerator();
  const results = new Map<string, number[][]>(
    styles.map((s) => [s, sizes.map(() => [])]),
  );
  const ratios = new Map<string, number[][]>(
    styles.map((s) => [s, sizes.map(() => [])]),
  );
  try {
    for (let r = 0; r < rounds; r++) {
      for (let si = 0; si < sizes.length; si++) {
        const round = new Map<string, number>();
        for (const style of ["raw", ...styles.filter((s) => s !== "raw")]) {
          if (style !== "raw" && !styles.includes(style)) continue;
          const server = await startServer(style, pin);
          try {
            round.set(
              style,
              await load(
                gen,
                server.port,
                sizes[si],
                conns,
                seconds,
                warmup,
                pin,
              ),
            );
          } finally {
            await server.stop();
          }
        }
        const raw = round.get("raw") as number;
        for (const style of styles) {
          results.get(style)![si].push(round.get(style) as number);
          ratios.get(style)![si].push((round.get(style) as number) / raw);
        }
      }
    }
  } finally {
    if (gen !== null) {
      await Deno.remove(gen.replace(/\/echo_load$/, ""), { recursive: true });
    }
  }
  const median = (xs: number[]) =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    generator: gen === null
      ? "Deno client (gcc not found)"
      : "C epoll client (bench/echo_load.c)",
    rows: styles.map((style) => ({
      style,
      rps: results.get(style)!.map(median),
      ratio: ratios.get(style)!.map(median),
    })),
  };
}

/** Formats the rows as a Markdown table. */
export function formatTable(rows: EchoRow[], sizes: number[]): string {
  const head = `| server | ${
    sizes.map((s) => `${s / 1024} KiB`).join(" | ")
  } |`;
  const sep = `| --- | ${sizes.map(() => "---:").join(" | ")} |`;
  const names: Record<string, string> = {
    raw: "raw `Deno.listen` (reused 256 KiB buffer)",
    protocol: "ours: `Protocol` (dataReceived)",
    buffered: "ours: `BufferedProtocol`",
    streams: "ours: streams (`startServer`)",
    sock: "ours: `sockRecvInto`/`sockSendall`",
    "asyncio-protocol": "CPython asyncio `Protocol`",
    "asyncio-streams": "CPython asyncio streams",
    "uvloop-protocol": "uvloop `Protocol`",
    "uvloop-streams": "uvloop streams",
    "sel-protocol": "selector loop: `Protocol`",
    "sel-streams": "selector loop: streams (`startServer`)",
    "sel-sock": "selector loop: `sockRecvInto`/`sockSendall` on `Socket`s",
  };
  const lines = rows.map((r) =>
    `| ${names[r.style] ?? r.style} | ${
      r.rps.map((v, i) =>
        `${Math.round(v).toLocaleString("en-US")} (${r.ratio[i].toFixed(2)})`
      ).join(" | ")
    } |`
  );
  return [head, sep, ...lines].join("\n");
}

if (import.meta.main) {
  const smoke = Deno.args.includes("--smoke");
  const only = Deno.args.find((a) => a.startsWith("--only="))?.slice(7).split(
    ",",
  );
  console.log(
    `Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores, echo over loopback${
      smoke ? " (smoke run)" : ""
    }`,
  );
  const py = Deno.args.includes("--no-python")
    ? { styles: [], note: "--no-python: no CPython servers" }
    : await availablePythonStyles();
  const { rows, generator } = await runEcho({
    smoke,
    styles: only ? ["raw", ...only] : [...STYLES, ...py.styles],
  });
  console.log(
    `load generator: ${generator}; requests/s (ratio to raw in the same round), median of rounds`,
  );
  if (py.note) console.log(py.note);
  console.log(formatTable(rows, smoke ? [1024, 100 * 1024] : SIZES));
}
