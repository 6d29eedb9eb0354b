import { deepStrictEqual as assertEquals, ok, strictEqual } from "node:assert/strict";
import { join } from "node:path";
import { evaluate } from "../../core/evaluate.ts";
import { loadPipeline } from "../../core/pipeline.ts";
import { PluginRegistry } from "../../core/registry.ts";
import { defineEnvironment, definePolicy } from "../../core/plugin.ts";
import { Random } from "../../core/random.ts";
import { STANDARD_SERVICE_FEATURES } from "../../core/environment.ts";
import type { Environment, EnvSpec, Observation, StepResult } from "../../core/environment.ts";
import type { Rollout, TrainablePolicy } from "../../core/models.ts";
import { hpaPlugin, staticPlugin } from "../../plugins/baselines/mod.ts";
import { simulatorPlugin } from "../../envs/simulator/mod.ts";

/**
 * A toy cluster: 2 nodes × 2 services, 60 s steps, min 1 / max 10 replicas. Each (node, service) gets
 * `base × (1 + seed mod 3)` req/s plus seeded noise; a replica serves 10 req/s.
 */
class ToyCluster implements Environment {
  readonly spec: EnvSpec = {
    nodes: [{ id: "edge-0", kind: "edge", capacity: 20 }, { id: "cloud", kind: "cloud", capacity: 20 }],
    services: ["front", "db"],
    serviceFeatures: [...STANDARD_SERVICE_FEATURES],
    nodeFeatures: [],
    minReplicas: new Int32Array(4).fill(1),
    maxReplicas: new Int32Array(4).fill(10),
    stepSeconds: 60,
    sloMs: 100,
  };
  #replicas = new Int32Array(4);
  #rng = new Random(0);
  #scale = 1;
  #t = 0;
  constructor(readonly episodeLength: number) {}

  reset(options: { seed?: number } = {}): Promise<Observation> {
    const seed = options.seed ?? 0;
    this.#rng = new Random(seed);
    this.#scale = 1 + (seed % 3);
    this.#replicas.fill(1);
    this.#t = 0;
    return Promise.resolve(this.#observe(this.#arrivals()));
  }

  #arrivals(): number[] {
    return [8, 4, 6, 2].map((base) => base * this.#scale + 4 * this.#rng.next());
  }

  #observe(arrivals: number[]): Observation {
    const F = this.spec.serviceFeatures.length;
    const services = new Float32Array(4 * F);
    for (let i = 0; i < 4; i++) {
      const util = arrivals[i] / (10 * this.#replicas[i]);
      services.set([this.#replicas[i], this.#replicas[i], util, arrivals[i], 20 + 80 * util, 0], i * F);
    }
    return {
      services,
      calls: new Float32Array(8),
      nodes: new Float32Array(0),
      links: new Float32Array([0, 20, 20, 0]),
      linkMask: new Uint8Array(4).fill(1),
      replicas: this.#replicas.slice(),
    };
  }

  step(action: Int32Array): Promise<StepResult> {
    for (let i = 0; i < 4; i++) this.#replicas[i] = Math.min(10, Math.max(1, action[i]));
    const arrivals = this.#arrivals();
    const observation = this.#observe(arrivals);
    const utils = arrivals.map((a, i) => a / (10 * this.#replicas[i]));
    const worst = Math.max(...utils);
    const total = this.#replicas.reduce((a, b) => a + b, 0);
    this.#t++;
    return Promise.resolve({
      observation,
      rewards: new Float32Array([-worst - 0.1 * total, -0.1 * total]),
      terminated: false,
      truncated: this.#t >= this.episodeLength,
      metrics: {
        p50LatencyMs: 10 + 40 * worst,
        p95LatencyMs: 20 + 80 * worst,
        p99LatencyMs: 30 + 100 * worst,
        sloViolationRate: Math.max(0, Math.min(1, worst - 0.8)),
        droppedRate: Math.max(0, arrivals[0] - 10 * this.#replicas[0]),
        replicas: total,
        cpuSeconds: total * 60,
        refusedScaleUps: 0,
        step: this.#t, // the environment's own counter, 1-based: kept as envStep
      },
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const toyEnv = defineEnvironment({
  name: "toy-cluster",
  description: "Two nodes, two services, seeded load.",
  create: (_options, context) => new ToyCluster(context.episodeLength),
});

/** A trainable policy that keeps the replicas, remembers what it loaded, and explains itself. */
class KeepLearner implements TrainablePolicy {
  static loaded: string[] = [];
  reset() {}
  act(batch: Observation[]) {
    return Promise.resolve(batch.map((o) => o.replicas.slice()));
  }
  update(_rollout: Rollout) {
    return Promise.resolve({});
  }
  save(_dir: string) {
    return Promise.resolve();
  }
  load(dir: string) {
    KeepLearner.loaded.push(dir);
    return Promise.resolve();
  }
  explain(_observation: Observation) {
    return Promise.resolve({
      dependency: new Float32Array([0.9, 0.1, 0.3, 0.7, 0.5, 0.5, 0.2, 0.8]),
      information: new Float32Array([0.6, 0.4, 0.25, 0.75]),
    });
  }
}

const learner = definePolicy({
  name: "keep-learner",
  description: "Keeps replicas; trainable and explainable.",
  create: () => new KeepLearner(),
});

const registry = () => new PluginRegistry().register(toyEnv, hpaPlugin, staticPlugin, learner);

async function writePipeline(dir: string, pipeline: Record<string, unknown>): Promise<string> {
  const file = join(dir, "pipeline.json");
  await Deno.writeTextFile(file, JSON.stringify(pipeline, null, 2));
  return file;
}

function lines(text: string): string[] {
  return text.trimEnd().split("\n");
}

Deno.test("evaluate runs every policy on the same seeds and writes JSONL, CSV, report.md and SVG charts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cma-eval-" });
  try {
    const out = join(dir, "report");
    await Deno.mkdir(out);
    await Deno.writeTextFile(join(out, "notes.txt"), "keep me");
    const file = await writePipeline(dir, {
      name: "toy-eval",
      seed: 4,
      env: { plugin: "toy-cluster" },
      policy: { plugin: "hpa", options: { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } } },
      train: { episodeLength: 50, out: join(dir, "run") },
      eval: {
        episodes: 3,
        episodeLength: 6,
        seed: 100,
        out,
        compare: [{ plugin: "static", options: { replicas: 2 } }, { plugin: "hpa", label: "hpa-default" }],
      },
    });
    const loaded = await loadPipeline(file, { registry: registry() });
    const logged: string[] = [];
    const result = await evaluate(loaded, { log: (l) => logged.push(l) });

    // Same seeds for every policy: 100, 101, 102.
    assertEquals(result.seeds, [100, 101, 102]);
    assertEquals(result.policies.map((p) => p.label), ["hpa", "static", "hpa-default"]);
    const rows = lines(await Deno.readTextFile(join(out, "steps.jsonl"))).map((l) => JSON.parse(l));
    strictEqual(rows.length, 3 * 3 * 6);
    for (const label of ["hpa", "static", "hpa-default"]) {
      const seeds = [...new Set(rows.filter((r) => r.policy === label).map((r) => r.seed))];
      assertEquals(seeds, [100, 101, 102], label);
      const steps = rows.filter((r) => r.policy === label && r.seed === 101);
      assertEquals(steps.map((r) => r.step), [0, 1, 2, 3, 4, 5]);
      assertEquals(steps.map((r) => r.envStep), [1, 2, 3, 4, 5, 6]);
    }
    // Same workload: the load of the first step does not depend on the policy.
    const firstLoads = rows.filter((r) => r.step === 0 && r.seed === 100).map((r) => r.load);
    strictEqual(new Set(firstLoads).size, 1);

    // static 2 on 4 (node, service) pairs: 8 replicas × 6 steps × 60 s / 3600 = 0.8 replica-hours per seed.
    const report = await Deno.readTextFile(join(out, "report.md"));
    const table = lines(report).filter((l) => /^\| (hpa|static|hpa-default) \|/.test(l));
    strictEqual(table.length, 3);
    const cells = (label: string) =>
      table.find((l) => l.startsWith(`| ${label} |`))!.split("|").map((c) => c.trim());
    strictEqual(cells("static")[5], "0.800 ± 0.000");
    ok(Math.abs(result.policies[1].summary.replicaHours.mean - 0.8) < 1e-12);

    // Recompute hpa's p95 column from the JSONL: per-seed mean over steps, then the mean over seeds.
    const perSeed = [100, 101, 102].map((seed) => {
      const steps = rows.filter((r) => r.policy === "hpa" && r.seed === seed);
      return steps.reduce((a, r) => a + r.p95LatencyMs, 0) / steps.length;
    });
    const p95 = perSeed.reduce((a, b) => a + b, 0) / 3;
    strictEqual(cells("hpa")[3].split(" ± ")[0], p95.toFixed(1));
    ok(Math.abs(result.policies[0].summary.p95LatencyMs.mean - p95) < 1e-9);
    // Mean reward per step = mean over the two nodes' rewards: recompute for static's first step of seed 100.
    const s0 = rows.find((r) => r.policy === "static" && r.seed === 100 && r.step === 0);
    const worst = s0.p95LatencyMs / 80 - 0.25;
    ok(Math.abs(s0.meanReward - (-worst - 0.8 - 0.8) / 2) < 1e-5);
    // HPA scaled up somewhere under load ×3 (seed 102: 26 req/s on one replica → 6 replicas).
    ok(rows.some((r) => r.policy === "hpa" && r.replicas > 4));

    // CSV: header plus one row per step, the same numbers as the JSONL.
    const csv = lines(await Deno.readTextFile(join(out, "steps.csv")));
    strictEqual(csv.length, 1 + rows.length);
    const header = csv[0].split(",");
    assertEquals(header.slice(0, 4), ["policy", "episode", "seed", "step"]);
    ok(header.includes("meanReward") && header.includes("load") && header.includes("sloViolationRate"));
    const last = csv[csv.length - 1].split(",");
    strictEqual(Number(last[header.indexOf("replicas")]), rows[rows.length - 1].replicas);

    // The report shows the exact command, pipeline and seeds.
    ok(report.includes("Seeds: 100, 101, 102"));
    ok(report.includes("deno task eval"));
    ok(report.includes('"name": "toy-eval"'));
    ok(!report.includes("## Attention"));

    for (const chart of ["load.svg", "replicas.svg", "p95_latency.svg"]) {
      const svg = await Deno.readTextFile(join(out, chart));
      ok(svg.startsWith("<svg"), chart);
      ok(svg.includes("hpa-default") && svg.includes("static"), chart);
      ok(report.includes(`(${chart})`), chart);
    }
    // Other files survive; no temporary files are left.
    strictEqual(await Deno.readTextFile(join(out, "notes.txt")), "keep me");
    const names = [];
    for await (const e of Deno.readDir(out)) names.push(e.name);
    ok(!names.some((n) => n.includes(".tmp-")), names.join(", "));
    ok(logged.some((l) => l.includes("report written")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("evaluate loads the latest checkpoint of a learned policy and draws its attention", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cma-eval-" });
  try {
    const run = join(dir, "run");
    for (const [episode, complete] of [[2, true], [5, true], [9, false]] as const) {
      const ckpt = join(run, "checkpoints", String(episode));
      await Deno.mkdir(join(ckpt, "policy"), { recursive: true });
      if (complete) {
        const manifest = { format: "cma-checkpoint", version: 1, episode, createdAt: "2026-12-01T00:00:00Z" };
        await Deno.writeTextFile(join(ckpt, "manifest.json"), JSON.stringify(manifest));
      }
    }
    const base = {
      name: "toy-learned",
      env: { plugin: "toy-cluster" },
      policy: { plugin: "keep-learner" },
      train: { out: run },
      eval: { episodes: 2, episodeLength: 4, seed: 7, out: join(dir, "report"), compare: ["static"] },
    };
    KeepLearner.loaded = [];
    const trained = await evaluate(
      await loadPipeline(await writePipeline(dir, base), { registry: registry() }),
    );
    // Episode 9 has no manifest (half-written): episode 5 is the latest complete one.
    assertEquals(KeepLearner.loaded, [join(run, "checkpoints", "5", "policy")]);
    strictEqual(trained.policies[0].checkpoint, join(run, "checkpoints", "5"));
    const report = await Deno.readTextFile(join(dir, "report", "report.md"));
    ok(report.includes("## Attention"));
    for (
      const chart of [
        "attention_dependency_node0.svg",
        "attention_dependency_mean.svg",
        "attention_information.svg",
      ]
    ) {
      const svg = await Deno.readTextFile(join(dir, "report", chart));
      ok(svg.startsWith("<svg"), chart);
      ok(report.includes(`(${chart})`), chart);
    }
    const info = await Deno.readTextFile(join(dir, "report", "attention_information.svg"));
    ok(info.includes("edge-0") && info.includes("cloud"));

    // Without any checkpoint the learned policy is evaluated as is, with a visible note.
    KeepLearner.loaded = [];
    const fresh = { ...base, name: "toy-fresh", train: { out: join(dir, "nothing") } };
    const untrained = await evaluate(
      await loadPipeline(await writePipeline(dir, fresh), { registry: registry() }),
    );
    assertEquals(KeepLearner.loaded, []);
    ok(untrained.policies[0].notes.some((n) => n.startsWith("Untrained")));
    ok((await Deno.readTextFile(join(dir, "report", "report.md"))).includes("Untrained"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("evaluate on the simulator: HPA and static see the same seeds and the same workload", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cma-eval-" });
  try {
    const file = await writePipeline(dir, {
      name: "sim-eval",
      seed: 1,
      env: {
        plugin: "simulator",
        options: {
          topology: "sock-shop",
          edgeNodes: 1,
          samples: 32,
          workload: { type: "diurnal", periodSteps: 8 },
        },
      },
      policy: { plugin: "hpa" },
      eval: { episodes: 2, episodeLength: 8, seed: 40, out: join(dir, "report"), compare: ["static"] },
    });
    const loaded = await loadPipeline(file, {
      registry: new PluginRegistry().register(simulatorPlugin, hpaPlugin, staticPlugin),
    });
    const result = await evaluate(loaded);
    const rows = lines(await Deno.readTextFile(join(dir, "report", "steps.jsonl"))).map((l) => JSON.parse(l));
    strictEqual(rows.length, 2 * 2 * 8);
    for (const seed of [40, 41]) {
      const load = (policy: string) =>
        rows.filter((r) => r.policy === policy && r.seed === seed).map((r) => r.load);
      assertEquals(load("hpa"), load("static"));
      ok(load("hpa").every((v) => v > 0));
    }
    // static 1 replica per hosted (node, service): its replica count never changes.
    strictEqual(new Set(rows.filter((r) => r.policy === "static").map((r) => r.replicas)).size, 1);
    const report = await Deno.readTextFile(join(dir, "report", "report.md"));
    strictEqual(lines(report).filter((l) => /^\| (hpa|static) \|/.test(l)).length, 2);
    ok(report.includes("mean latency (ms)")); // the simulator reports meanLatencyMs
    assertEquals(result.policies.map((p) => p.seeds), [[40, 41], [40, 41]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
