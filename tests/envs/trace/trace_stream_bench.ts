// Streams a generated Alibaba v2022 call-graph file of at least 1 GB through the trace loader and reports
// rows per second and peak resident memory (it must stay under 300 MiB). The file is generated once into the system temp folder
// (cma_trace_bench/) when missing and is never committed. Run with:
//   deno bench --allow-read --allow-write --allow-env --allow-run tests/envs/trace/trace_stream_bench.ts
// CMA_TRACE_BENCH_FILE=<file> streams another file instead (no generation).
import { Random } from "../../../core/random.ts";

const GIGABYTE = 1024 ** 3;
const dir = `${Deno.env.get("TMPDIR") ?? "/tmp"}/cma_trace_bench`;
const path = Deno.env.get("CMA_TRACE_BENCH_FILE") ?? `${dir}/CallGraph_1gb.csv`;

/** Writes ~1.05 GB of v2022 rows: 20 services, 2 traces per ms, 4–9 calls per trace. */
async function generate(): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${path}.part`;
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
  const writer = file.writable.getWriter();
  const encoder = new TextEncoder();
  const rng = new Random(42);
  const ms = (i: number) => `MS_${i}`;
  let bytes = 0, trace = 0;
  const header = "timestamp,traceid,service,rpc_id,um,uminstanceid,rpctype,interface,dm,dminstanceid,rt\n";
  await writer.write(encoder.encode(header));
  while (bytes < GIGABYTE * 1.05) {
    const lines: string[] = [];
    for (let k = 0; k < 2000; k++, trace++) {
      const ts = trace >> 1;
      const id = `0b${trace.toString(16).padStart(24, "0")}`;
      const entry = rng.int(3);
      lines.push(
        `${ts},${id},S_${entry},0,USER,USER,http,/api/${entry},${ms(entry)},${ms(entry)}_POD_0,${
          rng.int(90) + 10
        }`,
      );
      const calls = 3 + rng.int(6);
      for (let c = 1; c <= calls; c++) {
        const callee = 3 + rng.int(17);
        const caller = c === 1 ? entry : 3 + rng.int(17);
        lines.push(
          `${ts + c * 7},${id},S_${entry},0.${c},${ms(caller)},${ms(caller)}_POD_${
            rng.int(4)
          },rpc,/svc/${callee},` +
            `${ms(callee)},${ms(callee)}_POD_${rng.int(4)},${rng.int(40) + 1}`,
        );
      }
    }
    const chunk = encoder.encode(lines.join("\n") + "\n");
    bytes += chunk.length;
    await writer.write(chunk);
  }
  await writer.close();
  await Deno.rename(tmp, path);
}

const size = await Deno.stat(path).then((s) => s.size).catch(() => 0);
if (size < GIGABYTE && !Deno.env.has("CMA_TRACE_BENCH_FILE")) await generate();

// The streaming runs once, in a child process, so the figures are the loader's own: `deno bench` runs a
// bench function several times and its own process carries the harness (hundreds of MB of RSS before
// the first line is read). The child samples Deno.memoryUsage().rss every 25 ms and reads the kernel's
// high-water mark (VmHWM) at the end.
const loader = new URL("../../../envs/trace/trace_data.ts", import.meta.url).href;
const child = `
import { loadTrace } from ${JSON.stringify(loader)};
let peak = Deno.memoryUsage().rss;
const timer = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss), 25);
const start = performance.now();
const data = await loadTrace(${JSON.stringify(path)}, { bucketMs: 1000, traceWindowMs: 10000 });
const seconds = (performance.now() - start) / 1000;
clearInterval(timer);
peak = Math.max(peak, Deno.memoryUsage().rss);
const status = await Deno.readTextFile("/proc/self/status").catch(() => "");
const hwm = Number(/VmHWM:\\s+(\\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
console.log(JSON.stringify({ rows: data.rows, traces: data.traces, services: data.services.length,
  edges: data.edges.length, seconds, peak, hwm }));
`;

interface StreamFigures {
  rows: number;
  traces: number;
  services: number;
  edges: number;
  seconds: number;
  peak: number;
  hwm: number;
}

let figures: Promise<StreamFigures> | undefined;

async function streamOnce(): Promise<StreamFigures> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", child],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error("the streaming child process failed");
  const result: StreamFigures = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
  const gib = (await Deno.stat(path)).size / GIGABYTE;
  const mib = (x: number) => `${(x / 2 ** 20).toFixed(0)} MiB`;
  console.log(
    `trace stream: ${gib.toFixed(2)} GiB, ${result.rows} rows, ${result.traces} traces in ` +
      `${result.seconds.toFixed(1)} s: ${Math.round(result.rows / result.seconds)} rows/s, ` +
      `${(gib * 1024 / result.seconds).toFixed(1)} MiB/s; peak RSS ${mib(result.peak)} (sampled), ` +
      `${mib(result.hwm)} (VmHWM); ${result.services} services, ${result.edges} edges`,
  );
  if (result.peak > 300 * 2 ** 20) throw new Error(`peak RSS ${mib(result.peak)} exceeds 300 MiB`);
  return result;
}

Deno.bench({
  name: "stream a 1 GB v2022 call graph once in a child (read the printed figures, not time/iter)",
  async fn(b) {
    b.start();
    await (figures ??= streamOnce());
    b.end();
  },
});
