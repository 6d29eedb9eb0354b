// Streams a generated Alibaba v2022 call-graph file of at least 1 GB through the trace loader and reports
// rows per second and peak resident memory. The file is generated once into the system temp folder
// (cma_trace_bench/) when missing and is never committed. Run with:
//   deno bench --allow-read --allow-write --allow-env --allow-sys tests/envs/trace/trace_stream_bench.ts
import { Random } from "../../../core/random.ts";
import { loadTrace } from "../../../envs/trace/trace_data.ts";

const GIGABYTE = 1024 ** 3;
const dir = `${Deno.env.get("TMPDIR") ?? "/tmp"}/cma_trace_bench`;
const path = `${dir}/CallGraph_1gb.csv`;

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
if (size < GIGABYTE) await generate();

Deno.bench({
  name: "stream a 1 GB v2022 call graph (rows/s, peak RSS)",
  n: 1,
  warmup: 0,
  async fn(b) {
    let peak = Deno.memoryUsage().rss;
    const timer = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss), 25);
    b.start();
    const start = performance.now();
    const data = await loadTrace(path, { bucketMs: 1000, traceWindowMs: 10_000 });
    const seconds = (performance.now() - start) / 1000;
    b.end();
    clearInterval(timer);
    peak = Math.max(peak, Deno.memoryUsage().rss);
    const gb = (await Deno.stat(path)).size / GIGABYTE;
    console.log(
      `trace stream: ${gb.toFixed(2)} GiB, ${data.rows} rows, ${data.traces} traces in ${
        seconds.toFixed(1)
      } s: ` +
        `${Math.round(data.rows / seconds)} rows/s, ${(gb * 1024 / seconds).toFixed(1)} MiB/s, ` +
        `peak RSS ${
          (peak / 2 ** 20).toFixed(0)
        } MiB, ${data.services.length} services, ${data.edges.length} edges`,
    );
    if (peak > 300 * 2 ** 20) throw new Error(`peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB exceeds 300 MiB`);
  },
});
