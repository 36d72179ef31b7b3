/**
 * `--host` and `--port` for the network examples (default 127.0.0.1 and
 * the given port; `--port 0` picks a free one).
 *
 * @module
 */
export function hostPort(defaultPort: number): { host: string; port: number } {
  let host = "127.0.0.1";
  let port = defaultPort;
  const args = Deno.args;
  for (let i = 0; i < args.length; i++) {
    const [k, v] = args[i].includes("=")
      ? args[i].split("=", 2)
      : [args[i], args[i + 1]];
    if (k === "--host") host = v;
    else if (k === "--port") port = Number(v);
    else continue;
    if (!args[i].includes("=")) i++;
  }
  return { host, port };
}

/** Prints where a server listens (the examples test reads this line). */
export function listening(what: string, addr: Deno.Addr): void {
  const a = addr as Deno.NetAddr;
  console.log(`${what} listening on ${a.hostname}:${a.port}`);
}
