// Property test of Process.communicate() against random children (seeded:
// see tests/_property.ts to replay): a shell script of random steps (writes
// of random sizes to stdout and stderr, reads of part of its stdin, closing
// its stdin, short sleeps), ended by an exit code or a signal; random input,
// reader limits and stdio (stderr piped or merged into stdout, stdin piped
// or not). Whatever the child does, communicate() returns every byte it
// wrote, on the right stream, and its return code, without a hang, a stray
// exception-handler call or an unhandled rejection.
import assert from "node:assert/strict";
import {
  createSubprocessShell,
  DEVNULL,
  PIPE,
  STDOUT,
  waitFor,
} from "../mod.ts";
import { withLoop } from "./_helpers.ts";
import { noUnhandledRejections } from "./_unhandled.ts";
import { checkAsync, fc } from "./_property.ts";

/** One step of the child. */
type Step =
  | { kind: "out"; n: number }
  | { kind: "err"; n: number }
  | { kind: "read"; n: number }
  | { kind: "closeStdin" }
  | { kind: "sleep" };

/** How the child ends. */
type End = { kind: "exit"; code: number } | {
  kind: "signal";
  name: "KILL" | "TERM";
};

interface Child {
  steps: Step[];
  end: End;
  input: number;
  limit: number;
  merge: boolean;
  stdin: boolean;
}

const size = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 4096 }) },
  { weight: 2, arbitrary: fc.integer({ min: 4097, max: 300_000 }) },
);

const childArb: fc.Arbitrary<Child> = fc.record({
  steps: fc.array(
    fc.oneof(
      { weight: 4, arbitrary: size.map((n) => ({ kind: "out" as const, n })) },
      { weight: 3, arbitrary: size.map((n) => ({ kind: "err" as const, n })) },
      {
        weight: 2,
        arbitrary: size.map((n) => ({ kind: "read" as const, n })),
      },
      { weight: 1, arbitrary: fc.constant({ kind: "closeStdin" as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: "sleep" as const }) },
    ),
    { maxLength: 6 },
  ),
  end: fc.oneof(
    {
      weight: 3,
      arbitrary: fc.integer({ min: 0, max: 3 }).map((code) => ({
        kind: "exit" as const,
        code,
      })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom("KILL" as const, "TERM" as const).map((
        name,
      ) => ({ kind: "signal" as const, name })),
    },
  ),
  input: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 1, max: 4096 }),
    fc.integer({ min: 4097, max: 2 * 1024 * 1024 }),
  ),
  limit: fc.constantFrom(1024, 16 * 1024, 64 * 1024, 1024 * 1024),
  merge: fc.boolean(),
  stdin: fc.boolean(),
});

/** The child as a shell script. */
function script(child: Child): string {
  const fill = (n: number, c: string) =>
    `head -c ${n} /dev/zero | tr '\\000' '${c}'`;
  const lines = child.steps.map((s) => {
    switch (s.kind) {
      case "out":
        return fill(s.n, "o");
      case "err":
        return `${fill(s.n, "e")} >&2`;
      case "read":
        return `head -c ${s.n} >/dev/null 2>&1`;
      case "closeStdin":
        return "exec 0<&-";
      case "sleep":
        return "sleep 0.002";
    }
  });
  lines.push(
    child.end.kind === "exit"
      ? `exit ${child.end.code}`
      : `kill -${child.end.name} $$`,
  );
  return lines.join("\n");
}

/** How many bytes of `c` a buffer holds, and whether it holds nothing else. */
function count(data: Uint8Array | null, chars: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const b of data ?? []) {
    const c = String.fromCharCode(b);
    assert.ok(chars.includes(c), `unexpected byte ${b}`);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return counts;
}

Deno.test("Process.communicate() against random children returns every byte on its stream and the return code", async () => {
  let runs = 0;
  let bytes = 0;
  await noUnhandledRejections(() =>
    withLoop(async (loop) => {
      await checkAsync(0x5b9c01, 25, [childArb], async (child) => {
        runs++;
        await loop.runUntilComplete(async () => {
          const proc = await createSubprocessShell(script(child), {
            stdin: child.stdin ? PIPE : DEVNULL,
            stdout: PIPE,
            stderr: child.merge ? STDOUT : PIPE,
            limit: child.limit,
          });
          const input = new Uint8Array(child.input).fill(0x69);
          const [out, err] = await waitFor(
            proc.communicate(child.stdin ? input : null),
            20,
          );
          const sum = (k: "out" | "err") =>
            child.steps.reduce(
              (n, s) => n + (s.kind === k ? (s as { n: number }).n : 0),
              0,
            );
          const outs = count(out, child.merge ? "oe" : "o");
          assert.equal(outs.get("o") ?? 0, sum("out"), "stdout bytes");
          if (child.merge) {
            assert.equal(err, null);
            assert.equal(outs.get("e") ?? 0, sum("err"), "merged stderr");
          } else {
            assert.equal(count(err, "e").get("e") ?? 0, sum("err"), "stderr");
          }
          bytes += (out?.length ?? 0) + (err?.length ?? 0) + child.input;
          const code = child.end.kind === "exit"
            ? child.end.code
            : child.end.name === "KILL"
            ? -9
            : -15;
          assert.equal(proc.returncode, code);
          assert.equal(await proc.wait(), code);
        });
      });
    })
  );
  console.log(`communicate() property: ${runs} children, ${bytes} bytes`);
});
