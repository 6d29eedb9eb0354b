/**
 * The numbers and text of an evaluation report: per-step records, per-episode summaries, t-based 95%
 * intervals over the seeds, and the Markdown, CSV and JSONL renderings that `evaluate` writes.
 *
 * @example The interval of a sample
 * ```ts
 * import { meanInterval } from "./report.ts";
 * const { mean, halfWidth } = meanInterval([1, 2, 3, 4, 5]);
 * // mean 3, sd √2.5, t(0.975, 4) = 2.7764: 3 ± 2.7764 · √2.5 / √5 = 3 ± 1.963
 * console.assert(mean === 3 && Math.abs(halfWidth - 1.9632) < 1e-4);
 * ```
 *
 * @module
 */
import { meanInterval } from "./_statistics.ts";
import type { MeanInterval } from "./_statistics.ts";

export { meanInterval, studentTQuantile } from "./_statistics.ts";
export type { MeanInterval } from "./_statistics.ts";

/** What happened at one control step of one evaluation episode. */
export interface StepRecord {
  /** Label of the policy (as in the report). */
  policy: string;
  /** Episode index, 0-based. */
  episode: number;
  /** Seed the environment was reset with. */
  seed: number;
  /** Step index within the episode, 0-based. */
  step: number;
  /** Every metric the environment reported, plus `load` and `meanReward` (mean over nodes). */
  metrics: Record<string, number>;
}

/** The per-episode numbers of the report table. */
export interface EpisodeSummary {
  /** Mean over steps of the latency metric (`meanLatencyMs` when reported, else `p50LatencyMs`). */
  latencyMs: number;
  /** Mean over steps of the end-to-end p95 latency. */
  p95LatencyMs: number;
  /** Mean over steps of the fraction of requests over the SLO. */
  sloViolationRate: number;
  /** Σ replicas × stepSeconds / 3600. */
  replicaHours: number;
  /** Σ droppedRate × stepSeconds. */
  droppedRequests: number;
  /** Mean over steps of the mean reward over nodes. */
  meanReward: number;
}

/** The keys of {@linkcode EpisodeSummary}, in report column order. */
export const SUMMARY_KEYS: readonly (keyof EpisodeSummary)[] = [
  "latencyMs",
  "p95LatencyMs",
  "sloViolationRate",
  "replicaHours",
  "droppedRequests",
  "meanReward",
];

/** Options of {@linkcode summarizeEpisode}. */
export interface SummarizeOptions {
  /** Seconds per control step (for replica-hours and dropped requests). */
  stepSeconds: number;
  /** Metric averaged as the latency column (default `meanLatencyMs` when present, else `p50LatencyMs`). */
  latencyMetric?: string;
}

/** The latency metric a report uses for records: `meanLatencyMs` when reported, else `p50LatencyMs`. */
export function latencyMetricOf(records: readonly StepRecord[]): string {
  return records.length > 0 && "meanLatencyMs" in records[0].metrics ? "meanLatencyMs" : "p50LatencyMs";
}

/** Summarises the steps of one episode. */
export function summarizeEpisode(records: readonly StepRecord[], options: SummarizeOptions): EpisodeSummary {
  const latency = options.latencyMetric ?? latencyMetricOf(records);
  const mean = (name: string) => records.reduce((a, r) => a + (r.metrics[name] ?? NaN), 0) / records.length;
  const total = (name: string) => records.reduce((a, r) => a + (r.metrics[name] ?? NaN), 0);
  return {
    latencyMs: mean(latency),
    p95LatencyMs: mean("p95LatencyMs"),
    sloViolationRate: mean("sloViolationRate"),
    replicaHours: total("replicas") * options.stepSeconds / 3600,
    droppedRequests: total("droppedRate") * options.stepSeconds,
    meanReward: mean("meanReward"),
  };
}

/** The interval over seeds of every summary column. */
export function summarizeSeeds(
  episodes: readonly EpisodeSummary[],
): Record<keyof EpisodeSummary, MeanInterval> {
  return Object.fromEntries(SUMMARY_KEYS.map((k) => [k, meanInterval(episodes.map((e) => e[k]))])) as Record<
    keyof EpisodeSummary,
    MeanInterval
  >;
}

/** One policy's row of the report. */
export interface PolicyReport {
  /** Label shown in the report. */
  label: string;
  /** Plugin name or module. */
  plugin: string;
  /** Checkpoint folder loaded, if any. */
  checkpoint?: string;
  /** Remarks shown under the table (e.g. "untrained"). */
  notes: string[];
  /** Intervals over the seeds. */
  summary: Record<keyof EpisodeSummary, MeanInterval>;
}

/** A chart file linked from the report. */
export interface ChartLink {
  /** Caption. */
  title: string;
  /** File name relative to the report folder. */
  file: string;
}

/** Everything {@linkcode renderReport} writes. */
export interface ReportInput {
  /** Pipeline name. */
  name: string;
  /** The command that produced the report. */
  command: string;
  /** Path of the pipeline file. */
  pipelineFile: string;
  /** The resolved pipeline (defaults filled in). */
  pipeline: unknown;
  /** Seeds every policy ran on. */
  seeds: readonly number[];
  /** Steps per episode. */
  episodeLength: number;
  /** Seconds per step. */
  stepSeconds: number;
  /** Metric behind the latency column. */
  latencyMetric: string;
  /** One row per policy. */
  policies: readonly PolicyReport[];
  /** Time-series charts. */
  charts: readonly ChartLink[];
  /** Attention heatmaps (may be empty). */
  attention: readonly ChartLink[];
  /** ISO time of the report. */
  createdAt: string;
}

/** Formats `mean ± halfWidth` with `digits` decimals (just the mean when there is one seed). */
export function formatInterval(interval: MeanInterval, digits: number): string {
  if (!Number.isFinite(interval.mean)) return "n/a";
  const mean = interval.mean.toFixed(digits);
  return Number.isFinite(interval.halfWidth) ? `${mean} ± ${interval.halfWidth.toFixed(digits)}` : mean;
}

/** Column headers and decimals of the report table, by summary key. */
export const REPORT_COLUMNS: Record<keyof EpisodeSummary, { header: string; digits: number }> = {
  latencyMs: { header: "latency (ms)", digits: 1 },
  p95LatencyMs: { header: "p95 latency (ms)", digits: 1 },
  sloViolationRate: { header: "SLO violation rate", digits: 4 },
  replicaHours: { header: "replica-hours", digits: 3 },
  droppedRequests: { header: "dropped requests", digits: 1 },
  meanReward: { header: "mean reward", digits: 4 },
};

/** The `report.md` text. */
export function renderReport(input: ReportInput): string {
  const latencyName = input.latencyMetric === "meanLatencyMs" ? "mean latency (ms)" : "p50 latency (ms)";
  const headers = [
    "policy",
    ...SUMMARY_KEYS.map((k) => k === "latencyMs" ? latencyName : REPORT_COLUMNS[k].header),
  ];
  const lines = [
    `# Evaluation: ${input.name}`,
    "",
    `${input.policies.length} policies × ${input.seeds.length} seeds × ${input.episodeLength} steps ` +
    `(${input.stepSeconds} s each). Each cell is the mean over the seeds ± the half-width of its 95% ` +
    `t-interval (one value per seed: the episode's mean per step, or its total for replica-hours and dropped ` +
    `requests).`,
    "",
    `| ${headers.join(" | ")} |`,
    `| ${headers.map((_, i) => i === 0 ? "---" : "---:").join(" | ")} |`,
  ];
  for (const p of input.policies) {
    const cells = SUMMARY_KEYS.map((k) => formatInterval(p.summary[k], REPORT_COLUMNS[k].digits));
    lines.push(`| ${_escapeCell(p.label)} | ${cells.join(" | ")} |`);
  }
  lines.push("");
  for (const p of input.policies) {
    const source = p.checkpoint ? `checkpoint \`${p.checkpoint}\`` : "no checkpoint";
    lines.push(
      `- **${_escapeCell(p.label)}**: plugin \`${p.plugin}\`, ${source}.` +
        (p.notes.length > 0 ? ` ${p.notes.join(" ")}` : ""),
    );
  }
  lines.push("", "## Charts (first seed)", "");
  for (const c of input.charts) lines.push(`![${c.title}](${c.file})`, "");
  if (input.attention.length > 0) {
    lines.push("## Attention", "");
    for (const c of input.attention) lines.push(`- [${c.title}](${c.file})`);
    lines.push("");
    for (const c of input.attention) lines.push(`![${c.title}](${c.file})`, "");
  }
  lines.push(
    "## Reproduce",
    "",
    "```sh",
    input.command,
    "```",
    "",
    `- Pipeline: \`${input.pipelineFile}\` (resolved copy: \`pipeline.json\`)`,
    `- Seeds: ${input.seeds.join(", ")}`,
    `- Per-step data: \`steps.jsonl\`, \`steps.csv\`; numbers: \`summary.json\``,
    `- Written: ${input.createdAt}`,
    "",
    "<details><summary>Resolved pipeline</summary>",
    "",
    "```json",
    JSON.stringify(input.pipeline, null, 2),
    "```",
    "",
    "</details>",
    "",
  );
  return lines.join("\n");
}

function _escapeCell(text: string): string {
  return text.replaceAll("|", "\\|");
}

/** The columns of the step table: policy, episode, seed, step, then every metric in first-seen order. */
export function stepColumns(records: readonly StepRecord[]): string[] {
  const metrics = new Set<string>();
  for (const r of records) for (const k of Object.keys(r.metrics)) metrics.add(k);
  return ["policy", "episode", "seed", "step", ...metrics];
}

/** One JSON object per line: `{ policy, episode, seed, step, ...metrics }` (non-finite numbers as null). */
export function toJsonl(records: readonly StepRecord[]): string {
  return records.map((r) =>
    JSON.stringify({ policy: r.policy, episode: r.episode, seed: r.seed, step: r.step, ...r.metrics })
  ).join("\n") + (records.length > 0 ? "\n" : "");
}

/** CSV with a header row (RFC 4180 quoting; non-finite numbers as empty cells). */
export function toCsv(records: readonly StepRecord[]): string {
  const columns = stepColumns(records);
  const lines = [columns.map(_csvCell).join(",")];
  for (const r of records) {
    const row: Record<string, unknown> = { policy: r.policy, episode: r.episode, seed: r.seed, step: r.step };
    lines.push(columns.map((c) => _csvCell(c in row ? row[c] : r.metrics[c])).join(","));
  }
  return lines.join("\n") + "\n";
}

function _csvCell(value: unknown): string {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (value === undefined || value === null) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
