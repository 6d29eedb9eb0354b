/**
 * The built-in encoders, filters and policies: CMA's dependency attention, information attention and
 * GR-MAPPO, the ablations (`mlp`, `mean`) and the rule-based baselines (`hpa`, `static`).
 *
 * @module
 */
import type { Plugin } from "../core/plugin.ts";

/** Every built-in encoder, filter and policy plugin. */
export const builtins: Plugin[] = [];
