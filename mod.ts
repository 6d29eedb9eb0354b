/**
 * cma — collaborative, learned autoscaling of microservices across edge-cloud nodes.
 *
 * @module
 */
export * from "./core/mod.ts";
