/**
 * Loading a pipeline: a JSON file validated against `pipeline.schema.json` (JSON Schema 2020-12) with
 * ajv, defaults filled in, unknown keys rejected, then each plugin's options validated against that
 * plugin's own schema. Every error names the file and the JSON path.
 *
 * @example
 * ```ts ignore
 * import { loadPipeline } from "./pipeline.ts";
 * const loaded = await loadPipeline("examples/pipelines/quickstart.json", { registry });
 * console.log(loaded.config.train.episodes);
 * ```
 *
 * @module
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { basename, dirname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { InputError } from "./errors.ts";
import { assertPlugin, closestNames } from "./registry.ts";
import type { PluginOfKind, PluginRegistry } from "./registry.ts";
import type { BackendName } from "./backend.ts";
import type { JsonSchema, PluginKind } from "./plugin.ts";
import schema from "./pipeline.schema.json" with { type: "json" };

/** A reference to a plugin and its options. */
export interface PluginRef {
  /** Registered name or module specifier. */
  plugin: string;
  /** The plugin's options, defaults filled in. */
  options: Record<string, unknown>;
}

/** A policy to compare against in evaluation. */
export interface CompareEntry extends PluginRef {
  /** Name of the entry in the report. */
  label: string;
  /** Checkpoint folder to load, relative to the current directory. */
  checkpoint?: string;
  /** Encoder of a learned policy (default: the pipeline's). */
  encoder?: PluginRef;
  /** Filter of a learned policy (default: the pipeline's). */
  filter?: PluginRef;
}

/** The training section, every default filled in. */
export interface TrainConfig {
  /** Episodes to train. */
  episodes: number;
  /** Control steps per episode. */
  episodeLength: number;
  /** Environment copies. */
  envs: number;
  /** Run folder. */
  out: string;
  /** Checkpoint period in episodes. */
  checkpointEvery: number;
}

/** The evaluation section, every default filled in. */
export interface EvalConfig {
  /** Episodes (seeds) per policy. */
  episodes: number;
  /** Control steps per episode. */
  episodeLength: number;
  /** First evaluation seed. */
  seed: number;
  /** Learned policies act deterministically. */
  deterministic: boolean;
  /** Checkpoint of the pipeline's own policy. */
  checkpoint?: string;
  /** Report folder. */
  out: string;
  /** Policies to compare with. */
  compare: CompareEntry[];
}

/** A pipeline with every default filled in (what `deno task validate` prints). */
export interface PipelineConfig {
  /** Schema reference, kept as written. */
  $schema?: string;
  /** Pipeline name. */
  name: string;
  /** Free text. */
  description?: string;
  /** Root seed. */
  seed: number;
  /** TensorFlow.js backend. */
  backend: BackendName;
  /** Environment plugin. */
  env: PluginRef;
  /** Dependency encoder plugin. */
  encoder?: PluginRef;
  /** Message filter plugin. */
  filter?: PluginRef;
  /** Policy plugin. */
  policy: PluginRef;
  /** Training settings. */
  train: TrainConfig;
  /** Evaluation settings. */
  eval: EvalConfig;
}

/** A loaded pipeline: its resolved configuration and the plugins it names. */
export interface LoadedPipeline {
  /** Absolute path of the pipeline file. */
  file: string;
  /** Folder relative paths of the pipeline resolve against. */
  baseDir: string;
  /** The configuration, defaults filled in. */
  config: PipelineConfig;
  /** Finds the plugin a reference names (already resolved while loading). */
  plugin<K extends PluginKind>(kind: K, ref: PluginRef): PluginOfKind[K];
}

/** Options of {@linkcode loadPipeline}. */
export interface LoadOptions {
  /** Registry the plugin names are looked up in. */
  registry: PluginRegistry;
}

const MODULE_SPECIFIER = /^(\.{1,2}\/|\/|file:|npm:|jsr:|https?:)/;

/** True when a pipeline's `plugin` field names a module rather than a registered plugin. */
export function isModuleSpecifier(plugin: string): boolean {
  return MODULE_SPECIFIER.test(plugin);
}

/**
 * Reads, validates and resolves the pipeline at `path`. Throws an {@linkcode InputError} whose message
 * names the file and, for each problem, its JSON path.
 */
export async function loadPipeline(path: string, options: LoadOptions): Promise<LoadedPipeline> {
  const file = resolve(path);
  const name = basename(file);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new InputError(`${path}: cannot read the pipeline (${e instanceof Error ? e.message : e})`);
  }
  return await resolvePipeline(parseJson(text, name), { ...options, file });
}

/** Options of {@linkcode resolvePipeline}. */
export interface ResolveOptions extends LoadOptions {
  /** The file the data came from (for messages and relative paths). */
  file: string;
}

/** Validates and resolves pipeline data already parsed from JSON. */
export async function resolvePipeline(data: unknown, options: ResolveOptions): Promise<LoadedPipeline> {
  const file = resolve(options.file);
  const name = basename(file);
  const baseDir = dirname(file);
  const config = structuredClone(data) as PipelineConfig;
  const validate = pipelineValidator();
  if (!validate(config)) throw new InputError(formatErrors(name, validate.errors ?? [], ""));
  fillDerivedDefaults(config);

  const resolved = new Map<string, PluginOfKind[PluginKind]>();
  const problems: string[] = [];
  const refs: [PluginKind, PluginRef, string][] = [["environment", config.env, "/env"]];
  if (config.encoder) refs.push(["encoder", config.encoder, "/encoder"]);
  if (config.filter) refs.push(["filter", config.filter, "/filter"]);
  refs.push(["policy", config.policy, "/policy"]);
  config.eval.compare.forEach((entry, i) => {
    refs.push(["policy", entry, `/eval/compare/${i}`]);
    if (entry.encoder) refs.push(["encoder", entry.encoder, `/eval/compare/${i}/encoder`]);
    if (entry.filter) refs.push(["filter", entry.filter, `/eval/compare/${i}/filter`]);
  });
  for (const [kind, ref, where] of refs) {
    try {
      const plugin = await findPlugin(kind, ref.plugin, { registry: options.registry, baseDir, where });
      resolved.set(`${kind}:${ref.plugin}`, plugin);
      problems.push(...validateOptions(plugin.options, ref, where));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      problems.push(e.message);
    }
  }
  if (problems.length > 0) {
    throw new InputError(problems.map((p) => `${name}: ${p}`).join("\n"));
  }
  return {
    file,
    baseDir,
    config,
    plugin<K extends PluginKind>(kind: K, ref: PluginRef): PluginOfKind[K] {
      const plugin = resolved.get(`${kind}:${ref.plugin}`);
      if (!plugin) throw new Error(`${kind} plugin "${ref.plugin}" was not resolved with the pipeline`);
      return plugin as PluginOfKind[K];
    },
  };
}

function fillDerivedDefaults(config: PipelineConfig): void {
  config.train.out ??= `runs/${config.name}`;
  config.eval.episodeLength ??= config.train.episodeLength;
  config.eval.seed ??= config.seed + 1000;
  config.eval.out ??= `${config.train.out}/eval`;
  config.eval.compare = (config.eval.compare as (string | CompareEntry)[]).map((entry) =>
    typeof entry === "string"
      ? { plugin: entry, options: {}, label: entry }
      : { ...entry, label: entry.label ?? entry.plugin }
  );
}

interface FindOptions {
  registry: PluginRegistry;
  baseDir: string;
  where: string;
}

async function findPlugin<K extends PluginKind>(
  kind: K,
  plugin: string,
  options: FindOptions,
): Promise<PluginOfKind[K]> {
  const { where } = options;
  if (!isModuleSpecifier(plugin)) {
    try {
      return options.registry.get(kind, plugin);
    } catch (e) {
      throw new InputError(`${where}/plugin: ${e instanceof Error ? e.message : e}`);
    }
  }
  const specifier = /^\.{1,2}\//.test(plugin) || isAbsolute(plugin)
    ? pathToFileURL(resolve(options.baseDir, plugin)).href
    : plugin;
  let module: Record<string, unknown>;
  try {
    module = await import(specifier);
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).split("\n")[0];
    throw new InputError(`${where}/plugin: cannot import "${plugin}": ${reason}`);
  }
  assertPlugin(module.default, `${where}/plugin: the default export of "${plugin}"`);
  const found = module.default as PluginOfKind[PluginKind];
  if (found.kind !== kind) {
    throw new InputError(
      `${where}/plugin: "${plugin}" exports a ${found.kind} plugin where a ${kind} plugin is expected`,
    );
  }
  return found as PluginOfKind[K];
}

const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: false, verbose: true });
const optionValidators = new WeakMap<JsonSchema, ValidateFunction>();
let pipelineValidate: ValidateFunction | undefined;

function pipelineValidator(): ValidateFunction {
  pipelineValidate ??= ajv.compile(schema);
  return pipelineValidate;
}

function validateOptions(optionsSchema: JsonSchema | undefined, ref: PluginRef, where: string): string[] {
  ref.options ??= {};
  if (!optionsSchema) {
    const keys = Object.keys(ref.options);
    return keys.length === 0
      ? []
      : [`${where}/options: plugin "${ref.plugin}" takes no options (got ${keys.join(", ")})`];
  }
  let validate = optionValidators.get(optionsSchema);
  if (!validate) {
    try {
      validate = ajv.compile(optionsSchema);
    } catch (e) {
      return [
        `${where}/plugin: plugin "${ref.plugin}" has an invalid options schema: ${
          e instanceof Error ? e.message : e
        }`,
      ];
    }
    optionValidators.set(optionsSchema, validate);
  }
  if (validate(ref.options)) return [];
  return formatErrors("", validate.errors ?? [], `${where}/options`).split("\n").map((l) =>
    l.replace(/^: /, "")
  );
}

/** Formats ajv errors as `file: /json/path message` lines, the most useful first, without duplicates. */
function formatErrors(name: string, errors: ErrorObject[], prefix: string): string {
  // A failed oneOf reports every branch; keep the errors of the branch that got furthest.
  const lines = new Set<string>();
  const meaningful = errors.filter((e) => e.keyword !== "oneOf" && e.keyword !== "if");
  const byPath = pruneOneOfNoise(meaningful.length > 0 ? meaningful : errors);
  for (const e of byPath) {
    const path = prefix + e.instancePath;
    let message: string;
    if (e.keyword === "additionalProperties") {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      const close = closestNames(key, known);
      message = `${path}/${key} is not a known field` +
        (close.length
          ? ` (did you mean "${close[0]}"?)`
          : known.length
          ? ` (known: ${known.join(", ")})`
          : "");
    } else if (e.keyword === "required") {
      message = `${path}/${(e.params as { missingProperty: string }).missingProperty} is required`;
    } else if (e.keyword === "enum") {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      message = `${path || "/"} must be one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}`;
    } else {
      message = `${path || "/"} ${e.message}`;
    }
    lines.add(`${name}: ${message}`);
  }
  return [...lines].join("\n");
}

function pruneOneOfNoise(errors: ErrorObject[]): ErrorObject[] {
  // For `compare` items (string or object), drop the "must be string" branch when the item is an object.
  return errors.filter((e) =>
    !(e.keyword === "type" && /\/eval\/compare\/\d+$/.test(e.instancePath) &&
      errors.some((o) => o !== e && o.instancePath.startsWith(e.instancePath) && o.keyword !== "type"))
  );
}

/** Parses JSON, turning a syntax error into an {@linkcode InputError} with the line and column. */
export function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(message);
    const lc = /line (\d+) column (\d+)/.exec(message);
    let where = "";
    if (lc) where = `line ${lc[1]}, column ${lc[2]}`;
    else if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split("\n").length;
      where = `line ${line}, column ${before.length - before.lastIndexOf("\n")}`;
    } else {
      const lines = text.split("\n");
      where = `line ${lines.length}, column ${lines[lines.length - 1].length + 1}`;
    }
    const reason = message.replace(/ in JSON at position \d+.*$/, "").replace(
      /\s*\(line \d+ column \d+\)/,
      "",
    );
    throw new InputError(
      `${name}:${where.replace(/line (\d+), column (\d+)/, "$1:$2")}: invalid JSON (${where}): ${reason}`,
    );
  }
}
