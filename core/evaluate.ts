/**
 * Evaluation (`deno task eval`): runs the pipeline's policy and every `eval.compare` entry on the same
 * seeds and workload, then writes a report folder with per-step data (JSONL and CSV), `summary.json`,
 * `report.md` (one row per policy, mean ± 95% t-interval over the seeds), SVG charts of load, replicas
 * and p95 latency over time, and — when the policy explains itself — heatmaps of its attention.
 *
 * Files are written under a temporary name and renamed into place; other files of the folder are left
 * alone.
 *
 * @example
 * ```ts ignore
 * import { evaluate, loadPipeline } from "@cma/autoscaler";
 * const loaded = await loadPipeline("examples/pipelines/online-boutique.json", { registry });
 * const result = await evaluate(loaded, { log: console.log });
 * console.log(result.out);
 * ```
 *
 * @module
 */
import { basename, join, relative } from "node:path";
import { heatmap, lineChart } from "./charts.ts";
import type { LinePoint } from "./charts.ts";
import type { EnvSpec } from "./environment.ts";
import type { AttentionMaps } from "./models.ts";
import type { LoadedPipeline } from "./pipeline.ts";
import { latencyMetricOf, renderReport, summarizeEpisode, summarizeSeeds, toCsv, toJsonl } from "./report.ts";
import type { ChartLink, EpisodeSummary, MeanInterval, PolicyReport, StepRecord } from "./report.ts";
import { runPolicy } from "./_policy_run.ts";
import type { PolicyRunSpec } from "./_policy_run.ts";

/** Options of {@linkcode evaluate}. */
export interface EvaluateOptions {
  /** Report folder (default: the pipeline's `eval.out`). */
  out?: string;
  /** Receives progress lines (default: silent). */
  log?: (line: string) => void;
  /** The command to show in the report (default: `deno task eval <pipeline>` from the process's arguments). */
  command?: string;
}

/** One evaluated policy. */
export interface PolicyEvaluation {
  /** Label in the report. */
  label: string;
  /** Plugin name or module. */
  plugin: string;
  /** Checkpoint folder loaded, if any. */
  checkpoint?: string;
  /** Remarks (e.g. evaluated untrained). */
  notes: string[];
  /** Seeds of its episodes, in order. */
  seeds: number[];
  /** One summary per episode. */
  episodes: EpisodeSummary[];
  /** Mean and 95% interval over the episodes. */
  summary: Record<keyof EpisodeSummary, MeanInterval>;
}

/** What {@linkcode evaluate} returns. */
export interface EvaluationResult {
  /** The report folder. */
  out: string;
  /** Seeds every policy ran on. */
  seeds: number[];
  /** The pipeline's policy first, then the compare entries. */
  policies: PolicyEvaluation[];
  /** Every file written, relative to `out`. */
  files: string[];
}

/** Evaluates a loaded pipeline's policy against its `eval.compare` entries and writes the report. */
export async function evaluate(
  loaded: LoadedPipeline,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const { config } = loaded;
  const cfg = config.eval;
  const log = options.log ?? (() => {});
  const out = options.out ?? cfg.out;
  const seeds = Array.from({ length: cfg.episodes }, (_, i) => cfg.seed + i);
  const runs = _runSpecs(loaded);
  const settings = { seeds, episodeLength: cfg.episodeLength, deterministic: cfg.deterministic, log };

  const records: StepRecord[] = [];
  const policies: PolicyEvaluation[] = [];
  let spec: EnvSpec | undefined;
  let attention: AttentionMaps | undefined;
  for (const run of runs) {
    const result = await runPolicy(loaded, { run, settings });
    spec ??= result.spec;
    attention ??= result.attention;
    records.push(...result.records);
    const latencyMetric = latencyMetricOf(result.records);
    const episodes = seeds.map((_, e) =>
      summarizeEpisode(result.records.filter((r) => r.episode === e), {
        stepSeconds: result.spec.stepSeconds,
        latencyMetric,
      })
    );
    policies.push({
      label: run.label,
      plugin: run.ref.plugin,
      checkpoint: result.checkpoint,
      notes: result.notes,
      seeds: [...seeds],
      episodes,
      summary: summarizeSeeds(episodes),
    });
  }
  if (!spec) throw new Error("evaluate: no policy ran");

  await Deno.mkdir(out, { recursive: true });
  const files: string[] = [];
  const write = async (name: string, text: string) => {
    await _writeAtomic(join(out, name), text);
    files.push(name);
  };
  await write("steps.jsonl", toJsonl(records));
  await write("steps.csv", toCsv(records));
  await write("pipeline.json", JSON.stringify(config, null, 2) + "\n");
  await write(
    "summary.json",
    JSON.stringify({ name: config.name, seeds, episodeLength: cfg.episodeLength, policies }, _finite, 2) +
      "\n",
  );

  const first = records.filter((r) => r.episode === 0);
  const charts: ChartLink[] = [];
  for (const c of TIME_CHARTS) {
    const points: LinePoint[] = first.map((r) => ({ x: r.step, y: r.metrics[c.metric], series: r.policy }));
    await write(c.file, await lineChart(points, { title: c.title, xTitle: "step", yTitle: c.yTitle }));
    charts.push({ title: c.title, file: c.file });
  }
  const attentionLinks: ChartLink[] = [];
  if (attention) {
    for (const chart of await _attentionCharts(attention, spec)) {
      await write(chart.file, chart.svg);
      attentionLinks.push({ title: chart.title, file: chart.file });
    }
  }
  const reports: PolicyReport[] = policies.map((p) => ({
    label: p.label,
    plugin: p.plugin,
    checkpoint: p.checkpoint,
    notes: p.notes,
    summary: p.summary,
  }));
  await write(
    "report.md",
    renderReport({
      name: config.name,
      command: options.command ?? _command(loaded.file),
      pipelineFile: _relative(loaded.file),
      pipeline: config,
      seeds,
      episodeLength: cfg.episodeLength,
      stepSeconds: spec.stepSeconds,
      latencyMetric: latencyMetricOf(records),
      policies: reports,
      charts,
      attention: attentionLinks,
      createdAt: new Date().toISOString(),
    }),
  );
  log(`report written to ${join(out, "report.md")}`);
  return { out, seeds, policies, files };
}

const TIME_CHARTS = [
  { metric: "load", file: "load.svg", title: "Load", yTitle: "requests per second" },
  { metric: "replicas", file: "replicas.svg", title: "Replicas", yTitle: "replicas (all nodes)" },
  { metric: "p95LatencyMs", file: "p95_latency.svg", title: "p95 latency", yTitle: "end-to-end p95 (ms)" },
];

function _runSpecs(loaded: LoadedPipeline): PolicyRunSpec[] {
  const { config } = loaded;
  const used = new Set<string>();
  const unique = (label: string) => {
    let name = label, k = 2;
    while (used.has(name)) name = `${label} (${k++})`;
    used.add(name);
    return name;
  };
  return [
    {
      label: unique(config.policy.plugin),
      ref: config.policy,
      checkpoint: config.eval.checkpoint,
      latestOf: config.train.out,
      explain: true,
    },
    ...config.eval.compare.map((entry) => ({
      label: unique(entry.label),
      ref: { plugin: entry.plugin, options: entry.options },
      encoder: entry.encoder,
      filter: entry.filter,
      checkpoint: entry.checkpoint,
      explain: false,
    })),
  ];
}

async function _attentionCharts(
  maps: AttentionMaps,
  spec: EnvSpec,
): Promise<{ title: string; file: string; svg: string }[]> {
  const A = spec.nodes.length, S = spec.services.length;
  const nodes = spec.nodes.map((n) => n.id), services = spec.services;
  const charts: { title: string; file: string; svg: string }[] = [];
  const dep = maps.dependency;
  if (dep && dep.length === A * S * S) {
    const mean = new Float32Array(S * S);
    for (let a = 0; a < A; a++) for (let i = 0; i < S * S; i++) mean[i] += dep[a * S * S + i] / A;
    const axes = { xTitle: "attended service", yTitle: "service" };
    charts.push({
      title: `Dependency attention, node ${nodes[0]}`,
      file: "attention_dependency_node0.svg",
      svg: await heatmap({ rows: services, columns: services, values: dep.subarray(0, S * S) }, {
        title: `Dependency attention (${nodes[0]})`,
        ...axes,
      }),
    }, {
      title: "Dependency attention, mean over nodes",
      file: "attention_dependency_mean.svg",
      svg: await heatmap({ rows: services, columns: services, values: mean }, {
        title: "Dependency attention (mean over nodes)",
        ...axes,
      }),
    });
  }
  const info = maps.information;
  if (info && info.length === A * A) {
    charts.push({
      title: "Information attention between nodes",
      file: "attention_information.svg",
      svg: await heatmap({ rows: nodes, columns: nodes, values: info }, {
        title: "Information attention",
        xTitle: "attended node",
        yTitle: "node",
      }),
    });
  }
  return charts;
}

/** `deno task eval <pipeline>` as this process was started, for the report. */
function _command(file: string): string {
  const args = typeof Deno !== "undefined" ? Deno.args : [];
  if (basename(Deno.mainModule) === "cli.ts" && args[0] === "eval") {
    return ["deno task eval", ...args.slice(1).map(_quote)].join(" ");
  }
  return `deno task eval ${_quote(_relative(file))}`;
}

function _quote(arg: string): string {
  return /^[\w./:=@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

function _relative(file: string): string {
  const rel = relative(Deno.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

function _finite(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}

let _tempCounter = 0;

/** Writes a file under a temporary name in the same folder, then renames it into place. */
async function _writeAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp-${Deno.pid}-${_tempCounter++}`;
  try {
    await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, path);
  } catch (e) {
    await Deno.remove(temp).catch(() => {});
    throw e;
  }
}
