/**
 * Two processes streaming through our streams: `seq` produces numbers, this
 * program keeps the multiples of 7 (reading lines from the producer's
 * `StreamReader`), and feeds them to `sort -rn` (writing to its
 * `StreamWriter`, with `drain()` for back-pressure) while a third task
 * reads the sorted result. Nothing is held in memory all at once: each pipe
 * moves at the pace of the slowest stage.
 *
 *     deno run --allow-run examples/subprocess_pipeline.ts --count 100000
 *
 * @module
 */
import * as asyncio from "../mod.ts";

let count = 100000;
const i = Deno.args.indexOf("--count");
if (i !== -1) count = Number(Deno.args[i + 1]);

await asyncio.run(async () => {
  const producer = await asyncio.createSubprocessExec("seq", [
    "1",
    String(count),
  ], { stdout: asyncio.PIPE });
  const sorter = await asyncio.createSubprocessExec("sort", ["-rn"], {
    stdin: asyncio.PIPE,
    stdout: asyncio.PIPE,
  });

  // Stage 1: producer -> filter -> sorter, line by line.
  const filter = asyncio.createTask(async () => {
    let seen = 0;
    let kept = 0;
    for await (const line of producer.stdout!) {
      seen++;
      if (Number(new TextDecoder().decode(line)) % 7 !== 0) continue;
      kept++;
      sorter.stdin!.write(line);
      await sorter.stdin!.drain(); // waits while sort does not keep up
    }
    sorter.stdin!.close();
    return { seen, kept };
  });

  // Stage 2: the sorted lines, as they come out of sort.
  const collect = asyncio.createTask(async () => {
    const top: string[] = [];
    let lines = 0;
    for await (const line of sorter.stdout!) {
      if (lines++ < 3) top.push(new TextDecoder().decode(line).trim());
    }
    return { lines, top };
  });

  const { seen, kept } = await filter;
  const { lines, top } = await collect;
  const codes = [await producer.wait(), await sorter.wait()];
  console.log(`seq 1 ${count}: ${seen} lines`);
  console.log(`multiples of 7 sent to sort -rn: ${kept}`);
  console.log(`sort -rn returned ${lines} lines, largest: ${top.join(" ")}`);
  console.log(`exit codes: seq ${codes[0]}, sort ${codes[1]}`);
});
