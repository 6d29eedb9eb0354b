/**
 * The ablation plugins of CMA: `mlp` replaces the dependency attention by a per-service MLP, `mean`
 * replaces the information attention by the plain mean of the linked nodes. A pipeline that swaps them in
 * measures what the attention adds.
 *
 * @example
 * ```ts
 * import { meanFilterPlugin, mlpEncoderPlugin } from "./mod.ts";
 * console.assert(mlpEncoderPlugin.kind === "encoder" && meanFilterPlugin.kind === "filter");
 * ```
 *
 * @module
 */
export * from "./mlp_encoder.ts";
export * from "./mean_filter.ts";
