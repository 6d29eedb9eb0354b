/**
 * Rule-based baselines that implement the same {@link Policy} interface as the learned ones, so every
 * comparison runs through one code path: `hpa` (Kubernetes' Horizontal Pod Autoscaler per node and
 * service) and `static` (fixed replicas).
 *
 * @example Scale one over-loaded service with the HPA
 * ```ts
 * import { hpaPlugin } from "./mod.ts";
 * import { STANDARD_SERVICE_FEATURES } from "../../core/environment.ts";
 * const spec = {
 *   nodes: [{ id: "edge-0", kind: "edge" as const, capacity: 10 }],
 *   services: ["api"],
 *   serviceFeatures: [...STANDARD_SERVICE_FEATURES],
 *   nodeFeatures: [],
 *   minReplicas: new Int32Array([1]),
 *   maxReplicas: new Int32Array([10]),
 *   stepSeconds: 15,
 *   sloMs: 200,
 * };
 * const hpa = await hpaPlugin.create({}, { seed: 1, baseDir: ".", spec });
 * // 2 ready replicas at 90% CPU, target 60%: ceil(2 × 0.9 / 0.6) = 3
 * const observation = {
 *   services: new Float32Array([2, 2, 0.9, 10, 50, 0]),
 *   calls: new Float32Array(1),
 *   nodes: new Float32Array(0),
 *   links: new Float32Array(1),
 *   linkMask: new Uint8Array([1]),
 *   replicas: new Int32Array([2]),
 * };
 * const [desired] = await hpa.act([observation]);
 * console.assert(desired[0] === 3);
 * ```
 *
 * @module
 */
export * from "./hpa.ts";
export * from "./static.ts";
export * from "./replica_calculator.ts";
export * from "./scaling_behavior.ts";
