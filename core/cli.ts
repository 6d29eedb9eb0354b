/**
 * The command-line logic behind the `deno task` entries. `cli.ts` at the top registers the built-in plugins
 * and calls {@linkcode runCli}; everything here works on whatever registry it is given.
 *
 * Exit codes: 0 ok, 1 runtime failure, 2 bad input (a wrong pipeline, flag, file or checkpoint).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { InputError } from "./errors.ts";
import { loadPipeline } from "./pipeline.ts";
import { train } from "./train.ts";
import { evaluate } from "./evaluate.ts";
import { runControlLoop } from "./control_loop.ts";
import { createEnvironment, createPolicy } from "./assemble.ts";
import { useBackend } from "./backend.ts";
import { loadPolicyCheckpoint } from "./checkpoint.ts";
import { experimentCommand } from "./experiment.ts";
import type { PluginRegistry } from "./registry.ts";
import type { JsonSchema, Plugin } from "./plugin.ts";

/** A sub-command (`validate`, `train`, or one a plugin package adds such as `trace-summary`). */
export interface CliCommand {
  /** The word after `cli.ts`. */
  name: string;
  /** One line shown in the command list. */
  description: string;
  /** Usage text shown by `--help`. */
  usage: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}

/** Options of {@linkcode runCli}. */
export interface CliOptions {
  /** The plugins pipelines may name. */
  registry: PluginRegistry;
  /** Pipeline `train` uses when none is given. */
  defaultPipeline: string;
  /** Further commands (e.g. from environments). */
  commands?: CliCommand[];
  /** Where normal output goes (default `console.log`). */
  print?: (line: string) => void;
  /** Where errors go (default `console.error`). */
  printError?: (line: string) => void;
}

/** Runs the CLI on `args` and resolves to the exit code; it never throws and never prints a stack trace. */
export async function runCli(args: string[], options: CliOptions): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line));
  const printError = options.printError ?? ((line: string) => console.error(line));
  const commands = builtinCommands(options, print).concat(options.commands ?? []);
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    print(mainUsage(commands));
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    printError(`error: unknown command "${name}"\n\n${mainUsage(commands)}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    print(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    return reportError(e, printError);
  }
}

/** Prints an error as one clear message (its causes' messages too, never a stack) and returns the exit code. */
export function reportError(e: unknown, printError: (line: string) => void): number {
  const input = e instanceof InputError || isParseArgsError(e);
  const message = e instanceof Error ? e.message : String(e);
  printError(`error: ${message}`);
  if (Deno.env.get("CMA_DEBUG") && e instanceof Error && e.stack) printError(e.stack);
  return input ? 2 : 1;
}

function isParseArgsError(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}

function mainUsage(commands: CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "cma: collaborative microservice autoscaling",
    "",
    "Usage: deno task <command> [arguments]   (or: deno run <permissions> cli.ts <command> ...)",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.description}`),
    "",
    "Run a command with --help for its arguments. Exit codes: 0 ok, 1 runtime failure, 2 bad input.",
  ].join("\n");
}

function builtinCommands(options: CliOptions, print: (line: string) => void): CliCommand[] {
  const { registry } = options;
  return [
    {
      name: "train",
      description: "Train a pipeline's policy (default: examples/pipelines/quickstart.json).",
      usage: "Usage: deno task train [pipeline.json] [--resume] [--quiet]\n\n" +
        "Trains the pipeline's learned policy and writes the run folder (train.out): the resolved pipeline,\n" +
        "metrics.jsonl and checkpoints. --resume continues from the last complete checkpoint.",
      async run(args) {
        const { values, positionals } = parseArgs({
          args,
          allowPositionals: true,
          options: {
            resume: { type: "boolean", default: false },
            quiet: { type: "boolean", default: false },
          },
        });
        if (positionals.length > 1) throw new InputError("train takes at most one pipeline file");
        const loaded = await loadPipeline(positionals[0] ?? options.defaultPipeline, { registry });
        const result = await train(loaded, { resume: values.resume, quiet: values.quiet, log: print });
        const evalArgs = positionals[0] ? ` ${positionals[0]}` : "";
        print(`run folder: ${result.runDir}; evaluate it with: deno task eval${evalArgs}`);
        return 0;
      },
    },
    {
      name: "eval",
      description: "Evaluate a pipeline's policy against its eval.compare entries and write a report.",
      usage: "Usage: deno task eval [pipeline.json] [--out <folder>]\n\n" +
        "Runs the pipeline's policy (its latest checkpoint, if trained) and every eval.compare entry on the\n" +
        "same seeds and workload, then writes per-step metrics (JSONL, CSV), report.md and SVG charts.",
      async run(args) {
        const { values, positionals } = parseArgs({
          args,
          allowPositionals: true,
          options: { out: { type: "string" } },
        });
        if (positionals.length > 1) throw new InputError("eval takes at most one pipeline file");
        const loaded = await loadPipeline(positionals[0] ?? options.defaultPipeline, { registry });
        const result = await evaluate(loaded, { out: values.out, log: print });
        print(`report: ${result.out}/report.md`);
        return 0;
      },
    },
    {
      name: "run",
      description: "Drive a policy (trained, or a rule such as hpa) against an environment without training.",
      usage: "Usage: deno task run <pipeline.json> [--checkpoint <dir>] [--steps N] [--seed N]\n\n" +
        "Runs the control loop: the policy chooses desired replicas every step and the environment applies\n" +
        "them; every decision is logged as one JSON line. SIGINT/SIGTERM finish the step in flight, then exit.",
      async run(args) {
        const { values, positionals } = parseArgs({
          args,
          allowPositionals: true,
          options: { checkpoint: { type: "string" }, steps: { type: "string" }, seed: { type: "string" } },
        });
        if (positionals.length !== 1) throw new InputError("run takes exactly one pipeline file");
        const steps = optionalInteger(values.steps, "--steps", 1);
        const seed = optionalInteger(values.seed, "--seed", 0);
        const loaded = await loadPipeline(positionals[0], { registry });
        const plugin = loaded.plugin("policy", loaded.config.policy);
        if ((plugin.requires ?? []).length > 0 || values.checkpoint) await useBackend(loaded.config.backend);
        const env = await createEnvironment(loaded, { episodeLength: loaded.config.eval.episodeLength });
        const { policy } = await createPolicy(loaded, { spec: env.spec });
        if (values.checkpoint) {
          const dir = await loadPolicyCheckpoint(policy, values.checkpoint);
          print(JSON.stringify({ event: "checkpoint", dir }));
        }
        const controller = new AbortController();
        const stop = () => controller.abort();
        const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
        for (const s of signals) Deno.addSignalListener(s, stop);
        try {
          const summary = await runControlLoop(env, {
            policy,
            log: print,
            signal: controller.signal,
            maxSteps: steps,
            seed,
          });
          print(JSON.stringify({ event: "stopped", ...summary }));
        } finally {
          for (const s of signals) Deno.removeSignalListener(s, stop);
          policy.dispose?.();
        }
        return 0;
      },
    },
    {
      name: "validate",
      description: "Validate a pipeline and print it resolved, every default filled in.",
      usage: "Usage: deno task validate <pipeline.json>\n\n" +
        "Validates the pipeline against core/pipeline.schema.json and every plugin's own options schema,\n" +
        "then prints the resolved pipeline as JSON. Exit code 2 when it is invalid.",
      async run(args) {
        const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
        if (positionals.length !== 1) throw new InputError("validate takes exactly one pipeline file");
        const loaded = await loadPipeline(positionals[0], { registry });
        print(JSON.stringify(loaded.config, null, 2));
        return 0;
      },
    },
    {
      name: "plugins",
      description: "List every registered plugin with its description and options.",
      usage: "Usage: deno task plugins [--json] [--kind environment|encoder|filter|policy]",
      run(args) {
        const { values } = parseArgs({
          args,
          options: { json: { type: "boolean", default: false }, kind: { type: "string" } },
        });
        const kinds = ["environment", "encoder", "filter", "policy"];
        if (values.kind !== undefined && !kinds.includes(values.kind)) {
          throw new InputError(`--kind must be one of ${kinds.join(", ")}`);
        }
        const plugins = registry.list(values.kind as Plugin["kind"] | undefined);
        if (values.json) {
          print(JSON.stringify(
            plugins.map((p) => ({
              kind: p.kind,
              name: p.name,
              description: p.description,
              options: p.options,
            })),
            null,
            2,
          ));
        } else {
          print(plugins.map(describePlugin).join("\n\n"));
        }
        return Promise.resolve(0);
      },
    },
    experimentCommand({ registry, print }),
  ];
}

function optionalInteger(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new InputError(`${flag} must be an integer >= ${min} (got "${value}")`);
  }
  return n;
}

/** A plugin as `deno task plugins` shows it: kind, name, description and each option. */
export function describePlugin(plugin: Plugin): string {
  const lines = [`${plugin.kind} ${plugin.name}`, `  ${plugin.description}`];
  const props = (plugin.options?.properties ?? {}) as Record<string, JsonSchema>;
  const names = Object.keys(props);
  if (names.length === 0) lines.push("  (no options)");
  for (const name of names) {
    const p = props[name];
    const type = Array.isArray(p.enum)
      ? p.enum.map((v) => JSON.stringify(v)).join("|")
      : String(p.type ?? (p.oneOf ? "one of several forms" : "any"));
    const def = p.default !== undefined ? ` = ${JSON.stringify(p.default)}` : "";
    lines.push(`  ${name}: ${type}${def}${p.description ? ` — ${p.description}` : ""}`);
  }
  return lines.join("\n");
}
