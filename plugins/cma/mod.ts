/**
 * CMA's learned parts: the dependency attention (GATv2 over each node's services, edges from the observed
 * call rates), the information attention (TransformerConv over the node graph, edge feature = latency) and
 * GR-MAPPO (decentralised actors, centralised critic).
 *
 * @module
 */
export * from "./gatv2.ts";
export * from "./transformer_conv.ts";
export * from "./dependency_attention.ts";
export * from "./information_attention.ts";
export * from "./gr_mappo.ts";
export * from "./gr_mappo_options.ts";
export * from "./gae.ts";
export * from "./value_norm.ts";
export * from "./obs_norm.ts";
export * from "./ppo_loss.ts";
export * from "./action_mask.ts";
export * from "./actor.ts";
export * from "./critic.ts";
