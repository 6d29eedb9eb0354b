/**
 * The built-in encoders, filters and policies: CMA's dependency attention, information attention and
 * GR-MAPPO, the ablations (`mlp`, `mean`) and the rule-based baselines (`hpa`, `static`).
 *
 * @module
 */
import type { Plugin } from "../core/plugin.ts";
import { dependencyAttentionPlugin, grMappoPlugin, informationAttentionPlugin } from "./cma/mod.ts";
import { meanFilterPlugin, mlpEncoderPlugin } from "./ablation/mod.ts";
import { hpaPlugin, staticPlugin } from "./baselines/mod.ts";

export * from "./cma/mod.ts";
export * from "./ablation/mod.ts";
export * from "./baselines/mod.ts";

/** Every built-in encoder, filter and policy plugin. */
export const builtins: Plugin[] = [
  dependencyAttentionPlugin,
  informationAttentionPlugin,
  mlpEncoderPlugin,
  meanFilterPlugin,
  grMappoPlugin,
  hpaPlugin,
  staticPlugin,
];
