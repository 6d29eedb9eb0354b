// The experiment spec file: its JSON Schema, validation (ajv, defaults filled in, unknown keys rejected,
// errors naming the file and the JSON path) and resolution of the paths it names.
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { basename, dirname, resolve } from "node:path";
import { InputError } from "./errors.ts";
import { parseJson } from "./pipeline.ts";
import type { PluginRef } from "./pipeline.ts";

/** A learned policy variant: the scenario's pipeline, with the encoder and filter replaced when given. */
export interface LearnedVariant {
  /** Short name (`cma`, `ablation`); names run folders. */
  name: string;
  /** Label in the report. */
  label: string;
  /** Encoder replacing the pipeline's (the ablation's `mlp`). */
  encoder?: PluginRef;
  /** Filter replacing the pipeline's (the ablation's `mean`). */
  filter?: PluginRef;
  /** Also evaluate this variant untrained (its initial weights from each training seed). */
  untrained: boolean;
}

/** One scenario: a base pipeline with overrides. */
export interface ScenarioSpec {
  /** Short name; names folders and report sections. */
  name: string;
  /** Free text shown in the report. */
  description?: string;
  /** Base pipeline file, resolved against the spec file's folder. */
  pipeline: string;
  /** Merged into the base pipeline (objects deeply, anything else replaced). */
  overrides: Record<string, unknown>;
  /** SLO violation rate `static` must stay under at the mean load (default: the spec's). */
  staticMaxViolationRate?: number;
}

/** The training budget, the same for every learned policy, scenario and seed. */
export interface BudgetSpec {
  /** Training episodes (one rollout of all copies and one PPO update each). */
  episodes: number;
  /** Steps per training episode. */
  episodeLength: number;
  /** Environment copies per rollout. */
  envs: number;
  /** Steps per evaluation (and calibration) episode. */
  evalEpisodeLength: number;
}

/** How the baselines are calibrated on the training seeds. */
export interface CalibrationSpec {
  /** CPU targets the HPA tries. */
  hpaTargets: number[];
  /** Violation rates within this much of the lowest count as equal. */
  violationTolerance: number;
  /** Replica counts `static` tries, from 1 up to this. */
  staticMaxReplicas: number;
  /** Default SLO violation rate `static` must stay under at the scenario's mean load. */
  staticMaxViolationRate: number;
}

/** A validated experiment spec, defaults filled in, paths absolute. */
export interface ExperimentSpec {
  /** Absolute path of the spec file. */
  file: string;
  /** Name of the experiment. */
  name: string;
  /** Free text. */
  description?: string;
  /** Work folder (run folders, checkpoints), relative to the current directory. */
  out: string;
  /** Report folder (small files only), relative to the current directory. */
  report: string;
  /** Trainings run at once (separate processes when above 1). */
  jobs: number;
  /** Root seeds of the training runs; also the episode seeds of the calibration. */
  trainSeeds: number[];
  /** Episode seeds of the evaluation; disjoint from every training seed. */
  evalSeeds: number[];
  /** Training budget. */
  budget: BudgetSpec;
  /** Baseline calibration. */
  calibration: CalibrationSpec;
  /** Learning-curve smoothing: moving average over this many episodes. */
  smooth: number;
  /** Learned variants; the first is the one the others are compared against (CMA). */
  learned: LearnedVariant[];
  /** Scenarios, each with an absolute `pipeline` path. */
  scenarios: ScenarioSpec[];
}

const seedList = {
  type: "array",
  minItems: 1,
  uniqueItems: true,
  items: { type: "integer", minimum: 0, maximum: 4294967295 },
};
const pluginRef = {
  type: "object",
  additionalProperties: false,
  required: ["plugin"],
  properties: { plugin: { type: "string", minLength: 1 }, options: { type: "object", default: {} } },
};
const name = { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$" };
const rate = { type: "number", minimum: 0, maximum: 1 };

/** JSON Schema (2020-12) of an experiment spec file. */
export const EXPERIMENT_SCHEMA: Record<string, unknown> = {
  type: "object",
  additionalProperties: false,
  required: ["name", "seeds", "budget", "scenarios"],
  properties: {
    $schema: { type: "string" },
    name,
    description: { type: "string" },
    out: { type: "string", minLength: 1 },
    report: { type: "string", minLength: 1 },
    jobs: { type: "integer", minimum: 1, maximum: 16, default: 1 },
    seeds: {
      type: "object",
      additionalProperties: false,
      required: ["train", "eval"],
      properties: { train: seedList, eval: seedList },
    },
    budget: {
      type: "object",
      additionalProperties: false,
      required: ["episodes", "episodeLength", "envs"],
      properties: {
        episodes: { type: "integer", minimum: 1 },
        episodeLength: { type: "integer", minimum: 1 },
        envs: { type: "integer", minimum: 1, maximum: 256 },
        evalEpisodeLength: { type: "integer", minimum: 1 },
      },
    },
    calibration: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        hpaTargets: {
          type: "array",
          minItems: 1,
          uniqueItems: true,
          items: { type: "number", exclusiveMinimum: 0 },
          default: [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
        },
        violationTolerance: { ...rate, default: 0.005 },
        staticMaxReplicas: { type: "integer", minimum: 1, maximum: 100, default: 10 },
        staticMaxViolationRate: { ...rate, default: 0.05 },
      },
    },
    smooth: { type: "integer", minimum: 1, default: 10 },
    learned: {
      type: "array",
      minItems: 1,
      default: [
        { name: "cma", label: "CMA (trained)", untrained: true },
        {
          name: "ablation",
          label: "ablation: mlp + mean (trained)",
          encoder: { plugin: "mlp" },
          filter: { plugin: "mean" },
        },
      ],
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name"],
        properties: {
          name,
          label: { type: "string", minLength: 1 },
          encoder: pluginRef,
          filter: pluginRef,
          untrained: { type: "boolean", default: false },
        },
      },
    },
    scenarios: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "pipeline"],
        properties: {
          name,
          description: { type: "string" },
          pipeline: { type: "string", minLength: 1 },
          overrides: { type: "object", default: {} },
          staticMaxViolationRate: rate,
        },
      },
    },
  },
};

let validator: ValidateFunction | undefined;

/** Reads and validates an experiment spec file; every problem is an {@linkcode InputError} naming file and path. */
export async function _loadExperimentSpec(path: string): Promise<ExperimentSpec> {
  const file = resolve(path);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new InputError(`${path}: cannot read the experiment spec (${e instanceof Error ? e.message : e})`);
  }
  return _resolveExperimentSpec(parseJson(text, basename(file)), file);
}

/** Validates parsed spec data from `file` (for messages and relative paths). */
export function _resolveExperimentSpec(data: unknown, file: string): ExperimentSpec {
  const where = basename(file);
  const raw = structuredClone(data) as Record<string, unknown>;
  validator ??= new Ajv2020({ allErrors: true, useDefaults: true, strict: false }).compile(EXPERIMENT_SCHEMA);
  if (!validator(raw)) {
    throw new InputError((validator.errors ?? []).map((e) => `${where}: ${_describe(e)}`).join("\n"));
  }
  const seeds = raw.seeds as { train: number[]; eval: number[] };
  const budget = raw.budget as BudgetSpec;
  const learned = (raw.learned as LearnedVariant[]).map((v) => ({ ...v, label: v.label ?? v.name }));
  const scenarios = (raw.scenarios as ScenarioSpec[]).map((s) => ({
    ...s,
    pipeline: resolve(dirname(file), s.pipeline),
  }));
  const problems: string[] = [];
  const overlap = seeds.eval.filter((s) => seeds.train.includes(s));
  if (overlap.length > 0) {
    problems.push(
      `/seeds/eval shares seeds with /seeds/train (${overlap.join(", ")}): they must be disjoint`,
    );
  }
  _duplicates(learned.map((v) => v.name)).forEach((n) => problems.push(`/learned: the name "${n}" repeats`));
  _duplicates(scenarios.map((s) => s.name)).forEach((n) =>
    problems.push(`/scenarios: the name "${n}" repeats`)
  );
  if (problems.length > 0) throw new InputError(problems.map((p) => `${where}: ${p}`).join("\n"));
  const name = raw.name as string;
  return {
    file,
    name,
    description: raw.description as string | undefined,
    out: (raw.out as string | undefined) ?? `runs/${name}`,
    report: (raw.report as string | undefined) ?? `runs/${name}/report`,
    jobs: raw.jobs as number,
    trainSeeds: seeds.train,
    evalSeeds: seeds.eval,
    budget: { ...budget, evalEpisodeLength: budget.evalEpisodeLength ?? budget.episodeLength },
    calibration: raw.calibration as CalibrationSpec,
    smooth: raw.smooth as number,
    learned,
    scenarios,
  };
}

function _duplicates(names: string[]): string[] {
  return [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
}

function _describe(e: ErrorObject): string {
  const path = e.instancePath || "/";
  if (e.keyword === "additionalProperties") {
    return `${e.instancePath}/${
      (e.params as { additionalProperty: string }).additionalProperty
    } is not a known field`;
  }
  if (e.keyword === "required") {
    return `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty} is required`;
  }
  return `${path} ${e.message}`;
}
