import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { checkEnvironment } from "../../../core/check_environment.ts";
import { InputError } from "../../../core/errors.ts";
import { Random } from "../../../core/random.ts";
import { acyclicEdges } from "../../../envs/trace/call_graph.ts";
import { createTraceEnvironment, tracePlugin } from "../../../envs/trace/trace_environment.ts";
import { TraceWorkload } from "../../../envs/trace/trace_workload.ts";
import { V2022_CALLGRAPH } from "./_samples.ts";

const examples = new URL("../../../examples/traces/", import.meta.url).pathname;
const round = (xs: ArrayLike<number>) => Array.from(xs, (x) => Math.round(x * 1e6) / 1e6);

Deno.test("trace workload: step rates integrate the buckets a step covers, loop and scale", () => {
  const rates = {
    services: ["front", "api"],
    external: Float64Array.from([10, 0, 20, 2, 30, 4, 40, 6]),
    buckets: 4,
    bucketMs: 1000,
  };
  const w = new TraceWorkload(rates, { stepSeconds: 1, speedUp: 1.5, episodeLength: 3, randomStart: false });
  w.reset(new Random(1));
  const out = new Float64Array(2);
  // step 0 covers [0, 1500): (10·1000 + 20·500) / 1500
  w.externalRates(0, out);
  assertEquals(round(out), round([20000 / 1500, 1000 / 1500]));
  // step 1 covers [1500, 3000): (20·500 + 30·1000) / 1500
  w.externalRates(1, out);
  assertEquals(round(out), round([40000 / 1500, 5000 / 1500]));
  // step 2 covers [3000, 4500): bucket 3, then the trace starts over with bucket 0
  w.externalRates(2, out);
  assertEquals(round(out), [30, 4]);
  const scaled = new TraceWorkload(rates, {
    stepSeconds: 1,
    startOffsetMs: 1000,
    episodeLength: 2,
    rateScale: 2,
  });
  scaled.reset(new Random(3)); // room = 4000 - 1000 - 2000 = 1000 ms of possible starts
  ok(scaled.episodeStartMs >= 1000 && scaled.episodeStartMs < 2000);
  const starts = new Set(
    [1, 2, 3, 4, 5].map((seed) => (scaled.reset(new Random(seed)), scaled.episodeStartMs)),
  );
  ok(starts.size > 1, "different seeds pick different windows");
  scaled.reset(new Random(3));
  const start = scaled.episodeStartMs, frac = (start - 1000) / 1000;
  scaled.externalRates(0, out); // [start, start + 1000) spans buckets 1 and 2
  assertEquals(round(out), round([2 * (20 * (1 - frac) + 30 * frac), 2 * (2 * (1 - frac) + 4 * frac)]));
});

Deno.test("acyclicEdges drops the edge that closes a cycle, busiest service first", () => {
  const { kept, dropped } = acyclicEdges(["A", "B", "C"], [["A", "B", 1], ["B", "C", 0.5], ["C", "A", 0.2]]);
  assertEquals(kept, [["A", "B", 1], ["B", "C", 0.5]]);
  assertEquals(dropped, [["C", "A", 0.2]]);
});

Deno.test("trace environment: topology from the trace, replayed rates reach the simulator", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cma_trace_env_" });
  await Deno.writeTextFile(`${dir}/cg.csv`, V2022_CALLGRAPH);
  const env = await createTraceEnvironment(
    { path: "cg.csv", traceWindowMs: 5000, randomStart: false, stepSeconds: 1, edgeNodes: 2, rateScale: 10 },
    { seed: 1, baseDir: dir, episodeLength: 5 },
  );
  assertEquals(env.spec.services, ["A", "C", "B", "D"]);
  assertEquals(env.spec.nodes.map((n) => n.id), ["edge-0", "edge-1", "cloud"]);
  assertEquals(env.topology.services[env.topology.entry], "A");
  assertEquals(env.topology.edges.map((e) => [e.from, e.to, Math.round(e.calls * 1000) / 1000]), [
    [0, 2, 0.667], // A→B
    [0, 1, 0.333], // A→C
    [2, 1, 0.5], // B→C
    [3, 1, 1], // D→C
  ]);
  // step k replays trace second k (the first bucket starts at 0 ms): A enters 1 req/s in seconds 0 and
  // 1, D 1 req/s in second 2, nothing in second 3; rateScale 10
  const fn = env.spec.nodeFeatures.length, ext = env.spec.nodeFeatures.indexOf("externalRate");
  const load = (o: { nodes: Float32Array }) => {
    let total = 0;
    for (let a = 0; a < env.spec.nodes.length; a++) total += o.nodes[a * fn + ext];
    return Math.round(total * 1e6) / 1e6;
  };
  const obs = await env.reset({ seed: 4 });
  assertEquals(load(obs), 10);
  const steps = [];
  for (let t = 0; t < 3; t++) steps.push(load((await env.step(obs.replicas)).observation));
  assertEquals(steps, [10, 10, 0]);
  await env.close();
});

Deno.test("trace environment passes checkEnvironment on the committed v2022 sample", async () => {
  const env = await tracePlugin.create(
    { path: "alibaba_v2022_sample.csv", bucketMs: 60000, speedUp: 4, rateScale: 300, edgeNodes: 2 },
    { seed: 7, baseDir: examples, episodeLength: 20 },
  );
  const findings = await checkEnvironment(env);
  const failed = findings.filter((f) => !f.ok).map((f) => `${f.name}: ${f.message}`);
  assertEquals(failed, []);
  assertEquals(findings.length > 5, true);
});

Deno.test("trace environment: bad options are InputErrors naming the option or file", async () => {
  const context = { seed: 1, baseDir: examples, episodeLength: 10 };
  await rejects(
    () => createTraceEnvironment({ path: "alibaba_v2022_sample.csv", spedUp: 2 } as never, context),
    (e: unknown) => e instanceof InputError && e.message.includes("/spedUp is not a known option"),
  );
  await rejects(
    () => createTraceEnvironment({ path: "missing.csv" }, context),
    (e: unknown) => e instanceof InputError && e.message.includes("missing.csv"),
  );
  await rejects(
    () => createTraceEnvironment({ path: "alibaba_v2022_msrtmcr_sample.csv" }, context),
    (e: unknown) => e instanceof InputError && e.message.includes("no external requests"),
  );
});
