/**
 * The learned (and rule-based) parts' contracts: the dependency encoder, the message filter and the
 * policy. Tensor types are imported as types only, so code that only uses environments never loads
 * TensorFlow.js.
 *
 * @module
 */
import type { Tensor, Tensor2D, Tensor3D, Variable } from "@tensorflow/tfjs";
import type { Observation } from "./environment.ts";

/**
 * Input of a {@linkcode DependencyEncoder}: the services of `N` node observations (`N = B·A`, a batch of
 * `B` environment copies of `A` nodes each, flattened copy-major).
 */
export interface ServiceBatch {
  /** Per-service features `[N,S,F]`, already normalised by the policy. */
  features: Tensor3D;
  /** Raw observed call rates caller→callee in requests per second `[N,S,S]` (the encoder scales them). */
  calls: Tensor3D;
}

/** Output of a {@linkcode DependencyEncoder}. */
export interface ServiceEncoding {
  /** Per-service embeddings `[N,S,H]`, `H` = the encoder's `hidden`. */
  services: Tensor3D;
  /** One summary per node `[N,H]`. */
  summary: Tensor2D;
  /** Attention weights, e.g. `[N,heads,S,S]` (row `i` = how service `i` weighs service `j`); empty when none. */
  attention: Tensor;
}

/** Options of a forward pass. */
export interface ForwardOptions {
  /** True while training (enables dropout). */
  training?: boolean;
}

/** Something with trainable weights that a learned policy saves and trains with its own. */
export interface Trainable {
  /** Every trainable variable, in a stable order. */
  readonly variables: Variable[];
  /** Frees the variables. */
  dispose(): void;
}

/** CMA's dependency attention, or an ablation: encodes each node's services. */
export interface DependencyEncoder extends Trainable {
  /** Output width `H`. */
  readonly hidden: number;
  /** Encodes a batch of nodes. */
  encode(x: ServiceBatch, options?: ForwardOptions): ServiceEncoding;
}

/** Input of a {@linkcode MessageFilter}: `B` environment copies of `A` nodes. */
export interface NodeBatch {
  /** One vector per node `[B,A,H]` (e.g. the encoder's summaries). */
  nodes: Tensor3D;
  /** One-way latency in milliseconds `[B,A,A]` (the filter scales it). */
  links: Tensor3D;
  /** 1 where node `i` hears node `j`, else 0, `[B,A,A]`, float32. */
  linkMask: Tensor3D;
}

/** Output of a {@linkcode MessageFilter}. */
export interface FilteredMessages {
  /** One message per node `[B,A,H]`, `H` = the filter's `hidden`. */
  messages: Tensor3D;
  /** Attention weights, e.g. `[B,heads,A,A]`; empty when none. */
  attention: Tensor;
}

/** CMA's information attention, or an ablation: filters what each node hears from the others. */
export interface MessageFilter extends Trainable {
  /** Output width `H`. */
  readonly hidden: number;
  /** Filters a batch of node graphs. */
  filter(x: NodeBatch, options?: ForwardOptions): FilteredMessages;
}

/** Options of {@linkcode Policy.act}. */
export interface ActOptions {
  /** Take the most likely action instead of sampling. */
  deterministic?: boolean;
}

/** Head-averaged attention of one observation, for charts. */
export interface AttentionMaps {
  /** Dependency attention `[A,S,S]`: row `i` of node `a` = how service `i` weighs service `j`. */
  dependency?: Float32Array;
  /** Information attention `[A,A]`: row `i` = how node `i` weighs node `j`. */
  information?: Float32Array;
}

/** Chooses desired replicas `[A,S]` for every node of every environment copy. */
export interface Policy {
  /** A new episode starts in environment copy `copy`: forget its history. */
  reset(copy: number): void;
  /** Desired replicas per copy, one `[A,S]` array for each observation of `batch` (index = copy). */
  act(batch: Observation[], options?: ActOptions): Promise<Int32Array[]>;
  /** Frees what the policy holds (tensors, files). Optional. */
  dispose?(): void;
  /** The attention the policy pays for one observation (learned attention policies). Optional. */
  explain?(observation: Observation): Promise<AttentionMaps>;
}

/**
 * What a learned policy trains on: `T` steps of `C` environment copies. `observations[t][c]` is what copy
 * `c` showed before action `actions[t][c]`; `observations[T]` holds the observations after the last step
 * (for bootstrapping).
 */
export interface Rollout {
  /** `T+1` rows of `C` observations. */
  observations: Observation[][];
  /** `T` rows of `C` desired-replica arrays `[A,S]`, exactly as the policy returned them. */
  actions: Int32Array[][];
  /** `T` rows of `C` reward arrays `[A]`. */
  rewards: Float32Array[][];
  /** `T` rows of `C` flags: the episode terminated after this step. */
  terminated: boolean[][];
  /** `T` rows of `C` flags: the episode was truncated after this step (the next observation is a reset's). */
  truncated: boolean[][];
  /**
   * For truncated steps, the observation the step actually returned (before the reset), so the policy can
   * bootstrap from it; `undefined` elsewhere. `T` rows of `C`.
   */
  finalObservations: (Observation | undefined)[][];
}

/** What one update reports; the training loop writes it to `metrics.jsonl`. */
export type UpdateStats = Record<string, number>;

/** A policy that learns from rollouts and saves its state. */
export interface TrainablePolicy extends Policy {
  /** Learns from one rollout. Throws on a non-finite loss, leaving its weights as they were. */
  update(rollout: Rollout): Promise<UpdateStats>;
  /** Writes everything needed to continue training into `dir`. */
  save(dir: string): Promise<void>;
  /** Restores what {@linkcode save} wrote; fails clearly on a different environment spec. */
  load(dir: string): Promise<void>;
}

/** True when `policy` implements {@linkcode TrainablePolicy}. */
export function isTrainable(policy: Policy): policy is TrainablePolicy {
  const p = policy as Partial<TrainablePolicy>;
  return typeof p.update === "function" && typeof p.save === "function" &&
    typeof p.load === "function";
}
