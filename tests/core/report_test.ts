import { deepStrictEqual as assertEquals, ok, strictEqual } from "node:assert/strict";
import {
  formatInterval,
  meanInterval,
  renderReport,
  studentTQuantile,
  summarizeEpisode,
  summarizeSeeds,
  toCsv,
  toJsonl,
} from "../../core/report.ts";
import type { StepRecord } from "../../core/report.ts";
import { heatmap, lineChart } from "../../core/charts.ts";

function near(actual: number, expected: number, eps = 1e-4): void {
  ok(Math.abs(actual - expected) <= eps, `${actual} is not within ${eps} of ${expected}`);
}

Deno.test("95% t-interval of a known sample", () => {
  // [1, 2, 3, 4, 5]: mean 3, sd √2.5 = 1.58114, se = 1.58114 / √5 = 0.70711, t(0.975, 4) = 2.77645,
  // half-width 2.77645 × 0.70711 = 1.96324.
  const iv = meanInterval([1, 2, 3, 4, 5]);
  strictEqual(iv.mean, 3);
  near(iv.sd, 1.58114);
  near(iv.halfWidth, 1.96324);
  // [10, 14]: mean 12, sd 2.82843, se 2, t(0.975, 1) = 12.7062: ± 25.4124.
  near(meanInterval([10, 14]).halfWidth, 25.4124, 1e-3);
  // Table values of Student's t.
  near(studentTQuantile(0.975, 1), 12.7062);
  near(studentTQuantile(0.975, 2), 4.3027);
  near(studentTQuantile(0.975, 9), 2.2622);
  near(studentTQuantile(0.975, 30), 2.0423);
  near(studentTQuantile(0.025, 4), -2.7764);
  // One seed: no interval, the report shows the mean alone.
  const one = meanInterval([7.25]);
  ok(Number.isNaN(one.halfWidth));
  strictEqual(formatInterval(one, 2), "7.25");
  strictEqual(formatInterval(iv, 2), "3.00 ± 1.96");
});

function record(step: number, metrics: Record<string, number>, policy = "hpa"): StepRecord {
  return { policy, episode: 0, seed: 5, step, metrics };
}

Deno.test("episode summary: means per step, totals for replica-hours and dropped requests", () => {
  const records = [
    record(0, {
      p50LatencyMs: 20,
      p95LatencyMs: 100,
      sloViolationRate: 0.1,
      replicas: 4,
      droppedRate: 1,
      meanReward: -1,
    }),
    record(1, {
      p50LatencyMs: 30,
      p95LatencyMs: 300,
      sloViolationRate: 0.3,
      replicas: 6,
      droppedRate: 3,
      meanReward: -2,
    }),
  ];
  // 30-minute steps: replica-hours (4 + 6) × 1800 / 3600 = 5; dropped (1 + 3) × 1800 = 7200.
  const s = summarizeEpisode(records, { stepSeconds: 1800 });
  assertEquals(s, {
    latencyMs: 25,
    p95LatencyMs: 200,
    sloViolationRate: 0.2,
    replicaHours: 5,
    droppedRequests: 7200,
    meanReward: -1.5,
  });
  // meanLatencyMs wins over p50 when the environment reports it.
  const withMean = records.map((r, i) => ({ ...r, metrics: { ...r.metrics, meanLatencyMs: 40 + i } }));
  strictEqual(summarizeEpisode(withMean, { stepSeconds: 1800 }).latencyMs, 40.5);
  const seeds = summarizeSeeds([s, { ...s, replicaHours: 7 }]);
  strictEqual(seeds.replicaHours.mean, 6);
  near(seeds.replicaHours.halfWidth, 12.7062); // sd √2, se 1, t(0.975, 1)
});

Deno.test("report.md has one row per policy with the formatted intervals", () => {
  const summary = summarizeSeeds([
    {
      latencyMs: 10,
      p95LatencyMs: 100,
      sloViolationRate: 0.1,
      replicaHours: 1,
      droppedRequests: 0,
      meanReward: -1,
    },
    {
      latencyMs: 20,
      p95LatencyMs: 200,
      sloViolationRate: 0.3,
      replicaHours: 1,
      droppedRequests: 4,
      meanReward: -3,
    },
  ]);
  const text = renderReport({
    name: "toy",
    command: "deno task eval toy.json",
    pipelineFile: "toy.json",
    pipeline: { name: "toy" },
    seeds: [7, 8],
    episodeLength: 4,
    stepSeconds: 15,
    latencyMetric: "p50LatencyMs",
    policies: [
      { label: "hpa", plugin: "hpa", notes: [], summary },
      { label: "a|b", plugin: "static", notes: ["Untrained."], summary },
    ],
    charts: [{ title: "Load", file: "load.svg" }],
    attention: [],
    createdAt: "2026-12-01T00:00:00.000Z",
  });
  const rows = text.split("\n").filter((l) =>
    l.startsWith("| ") && !l.startsWith("| policy") && !l.startsWith("| ---")
  );
  strictEqual(rows.length, 2);
  // p95: mean 150, sd 70.711, se 50, ± 12.7062 × 50 = 635.3; violation 0.2 ± 1.2706.
  strictEqual(
    rows[0],
    "| hpa | 15.0 ± 63.5 | 150.0 ± 635.3 | 0.2000 ± 1.2706 | 1.000 ± 0.000 | 2.0 ± 25.4 | -2.0000 ± 12.7062 |",
  );
  ok(rows[1].startsWith("| a\\|b |"));
  ok(text.includes("deno task eval toy.json"));
  ok(text.includes("Seeds: 7, 8"));
  ok(text.includes("![Load](load.svg)"));
  ok(text.includes("p50 latency (ms)"));
  ok(!text.includes("## Attention"));
});

Deno.test("CSV and JSONL carry every metric; CSV quotes labels, blanks non-finite numbers", () => {
  const records = [
    record(0, { replicas: 4, p95LatencyMs: 12.5 }, "static, 2"),
    record(1, { replicas: 5, p95LatencyMs: NaN }, "static, 2"),
  ];
  const csv = toCsv(records).trimEnd().split("\n");
  assertEquals(csv, [
    "policy,episode,seed,step,replicas,p95LatencyMs",
    '"static, 2",0,5,0,4,12.5',
    '"static, 2",0,5,1,5,',
  ]);
  const jsonl = toJsonl(records).trimEnd().split("\n").map((l) => JSON.parse(l));
  assertEquals(jsonl[0], {
    policy: "static, 2",
    episode: 0,
    seed: 5,
    step: 0,
    replicas: 4,
    p95LatencyMs: 12.5,
  });
  strictEqual(jsonl[1].p95LatencyMs, null);
});

Deno.test("charts render to SVG with the series and labels", async () => {
  const line = await lineChart([
    { x: 0, y: 1, series: "hpa" },
    { x: 1, y: 2, series: "hpa" },
    { x: 0, y: 3, series: "static-two" },
    { x: 1, y: NaN, series: "static-two" },
  ], { title: "Replicas over time", xTitle: "step", yTitle: "replicas" });
  ok(line.startsWith("<svg"));
  ok(line.includes("hpa") && line.includes("static-two") && line.includes("Replicas over time"));
  const map = await heatmap(
    { rows: ["front", "db"], columns: ["front", "db"], values: [0.2, 0.8, 0.5, 0.5] },
    {
      title: "Attention",
    },
  );
  ok(map.startsWith("<svg"));
  ok(map.includes("front") && map.includes("db"));
});
