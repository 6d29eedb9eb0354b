/**
 * Instantiating what a loaded pipeline names: the environment, and a policy with the encoder and filter it
 * requires. Learned parts need a TensorFlow.js backend: call `useBackend` (core/backend.ts) first.
 *
 * @module
 */
import { InputError } from "./errors.ts";
import { deriveSeed } from "./random.ts";
import type { Environment, EnvSpec } from "./environment.ts";
import type { DependencyEncoder, MessageFilter, Policy } from "./models.ts";
import type { LoadedPipeline, PluginRef } from "./pipeline.ts";

/** Options of {@linkcode createEnvironment}. */
export interface CreateEnvironmentOptions {
  /** Steps per episode. */
  episodeLength: number;
  /** Seed of the environment (default: derived from the pipeline seed). */
  seed?: number;
}

/** Creates the pipeline's environment. */
export async function createEnvironment(
  loaded: LoadedPipeline,
  options: CreateEnvironmentOptions,
): Promise<Environment> {
  const { config } = loaded;
  const plugin = loaded.plugin("environment", config.env);
  return await plugin.create(config.env.options, {
    seed: options.seed ?? deriveSeed(config.seed, "env"),
    baseDir: loaded.baseDir,
    episodeLength: options.episodeLength,
  });
}

/** Options of {@linkcode createPolicy}. */
export interface CreatePolicyOptions {
  /** The environment's spec. */
  spec: EnvSpec;
  /** The policy to create (default: the pipeline's). */
  policy?: PluginRef;
  /** Encoder for a policy that requires one (default: the pipeline's). */
  encoder?: PluginRef;
  /** Filter for a policy that requires one (default: the pipeline's). */
  filter?: PluginRef;
  /** Root seed (default: the pipeline's). */
  seed?: number;
}

/** A created policy with the encoder and filter made for it (if it requires them). */
export interface CreatedPolicy {
  /** The policy. */
  policy: Policy;
  /** The encoder it trains, if any. */
  encoder?: DependencyEncoder;
  /** The filter it trains, if any. */
  filter?: MessageFilter;
}

/** The ref of a part the policy requires, or an {@linkcode InputError} saying to add it to the pipeline. */
function requiredPart(
  part: "encoder" | "filter",
  refs: { ref: PluginRef | undefined; policy: PluginRef },
): PluginRef {
  if (!refs.ref) {
    const article = part === "encoder" ? "an" : "a";
    throw new InputError(
      `policy "${refs.policy.plugin}" requires ${article} ${part}: add "${part}" to the pipeline`,
    );
  }
  return refs.ref;
}

/** Creates a policy, first creating the encoder and filter its plugin `requires`. */
export async function createPolicy(
  loaded: LoadedPipeline,
  options: CreatePolicyOptions,
): Promise<CreatedPolicy> {
  const { config, baseDir } = loaded;
  const seed = options.seed ?? config.seed;
  const ref = options.policy ?? config.policy;
  const plugin = loaded.plugin("policy", ref);
  const requires = plugin.requires ?? [];
  const spec = options.spec;
  let encoder: DependencyEncoder | undefined;
  let filter: MessageFilter | undefined;
  if (requires.includes("encoder")) {
    const encoderRef = requiredPart("encoder", { ref: options.encoder ?? config.encoder, policy: ref });
    encoder = await loaded.plugin("encoder", encoderRef).create(encoderRef.options, {
      seed: deriveSeed(seed, "encoder"),
      baseDir,
      spec,
    });
  }
  if (requires.includes("filter")) {
    const filterRef = requiredPart("filter", { ref: options.filter ?? config.filter, policy: ref });
    filter = await loaded.plugin("filter", filterRef).create(filterRef.options, {
      seed: deriveSeed(seed, "filter"),
      baseDir,
      spec,
      inputWidth: encoder?.hidden ?? spec.serviceFeatures.length,
    });
  }
  const policy = await plugin.create(ref.options, {
    seed: deriveSeed(seed, "policy"),
    baseDir,
    spec,
    encoder,
    filter,
  });
  return { policy, encoder, filter };
}
