/**
 * Forward and backward time of the attention plugins at the reference size of PERFORMANCE.md:
 * 800 samples × 8 nodes × 12 services (N = 6400 for the encoder; B = 800, A = 8 for the filter), hidden 64,
 * 2 heads, 8 features, ~30% call edges. Prints the peak tensor memory (tf.profile's peakBytes) and the wasm
 * heap size. Run: `deno bench --allow-read --allow-env tests/plugins/cma/attention_bench.ts`.
 */
import type { Scalar, Tensor } from "@tensorflow/tfjs";
import { useBackend } from "../../../core/backend.ts";
import type { EnvSpec } from "../../../core/environment.ts";
import type { DependencyEncoder, MessageFilter } from "../../../core/models.ts";
import { Random } from "../../../core/random.ts";
import { dependencyAttentionPlugin } from "../../../plugins/cma/dependency_attention.ts";
import { informationAttentionPlugin } from "../../../plugins/cma/information_attention.ts";
import { meanFilterPlugin } from "../../../plugins/ablation/mean_filter.ts";
import { mlpEncoderPlugin } from "../../../plugins/ablation/mlp_encoder.ts";

const tf = await useBackend("wasm");

const B = 800, A = 8, S = 12, F = 8, H = 64;
const N = B * A;
const random = new Random(2026);
const spec: EnvSpec = {
  nodes: Array.from({ length: A }, (_, i) => ({ id: `n${i}`, kind: "edge" as const, capacity: 50 })),
  services: Array.from({ length: S }, (_, i) => `s${i}`),
  serviceFeatures: Array.from({ length: F }, (_, i) => `f${i}`),
  nodeFeatures: [],
  minReplicas: new Int32Array(A * S),
  maxReplicas: new Int32Array(A * S).fill(10),
  stepSeconds: 15,
  sloMs: 200,
};

const features = tf.tensor3d(Float32Array.from({ length: N * S * F }, () => random.normal()), [N, S, F]);
// ~30% of the pairs (self loops included) are edges: 26% off-diagonal call edges plus the diagonal.
const calls = tf.tensor3d(
  Float32Array.from({ length: N * S * S }, (_, k) => {
    const i = Math.floor(k / S) % S, j = k % S;
    return i !== j && random.next() < 0.24 ? 1 + random.next() * 50 : 0;
  }),
  [N, S, S],
);
const nodes = tf.tensor3d(Float32Array.from({ length: B * A * H }, () => random.normal()), [B, A, H]);
const links = tf.tensor3d(
  Float32Array.from(
    { length: B * A * A },
    (_, k) => (Math.floor(k / A) % A === k % A ? 0 : 1 + random.next() * 80),
  ),
  [B, A, A],
);
const linkMask = tf.ones([B, A, A]) as typeof links;

const encoder = await dependencyAttentionPlugin.create({ hidden: H, heads: 2 }, {
  seed: 1,
  baseDir: ".",
  spec,
});
const filter = await informationAttentionPlugin.create(
  { hidden: H, heads: 2 },
  { seed: 1, baseDir: ".", spec, inputWidth: H },
);
const mlp = await mlpEncoderPlugin.create({ hidden: H }, { seed: 1, baseDir: ".", spec });
const mean = await meanFilterPlugin.create({}, { seed: 1, baseDir: ".", spec, inputWidth: H });

function encodeLoss(e: DependencyEncoder): Scalar {
  const r = e.encode({ features, calls }, { training: true });
  return tf.add(tf.mean(tf.square(r.services)), tf.mean(r.summary)) as Scalar;
}
function filterLoss(f: MessageFilter): Scalar {
  return tf.mean(tf.square(f.filter({ nodes, links, linkMask }, { training: true }).messages)) as Scalar;
}
function forwardEncode(e: DependencyEncoder): void {
  const r = e.encode({ features, calls });
  r.services.dataSync();
  tf.dispose([r.services, r.summary, r.attention] as Tensor[]);
}
function forwardFilter(f: MessageFilter): void {
  const r = f.filter({ nodes, links, linkMask });
  r.messages.dataSync();
  tf.dispose([r.messages, r.attention] as Tensor[]);
}
function backward(loss: () => Scalar, vars: ReturnType<typeof tf.variable>[]): void {
  const { value, grads } = tf.variableGrads(loss, vars);
  value.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
}

function wasmHeapBytes(): number {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } };
  return backend.wasm?.HEAPU8.buffer.byteLength ?? NaN;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
for (
  const [name, run] of [
    ["dependency-attention forward", () => forwardEncode(encoder)],
    ["dependency-attention forward+backward", () => backward(() => encodeLoss(encoder), encoder.variables)],
    ["information-attention forward+backward", () => backward(() => filterLoss(filter), filter.variables)],
  ] as const
) {
  const info = await tf.profile(run);
  console.log(`${name}: peak tensor memory ${mb(info.peakBytes)}, wasm heap ${mb(wasmHeapBytes())}`);
}

const options = { n: 5, warmup: 1 };
Deno.bench({ name: "dependency-attention forward (N=6400, S=12)", group: "encoder", ...options }, () => {
  forwardEncode(encoder);
});
Deno.bench({ name: "dependency-attention forward+backward", group: "encoder", ...options }, () => {
  backward(() => encodeLoss(encoder), encoder.variables);
});
Deno.bench({ name: "mlp encoder forward+backward (ablation)", group: "encoder", ...options }, () => {
  backward(() => encodeLoss(mlp), mlp.variables);
});
Deno.bench({ name: "information-attention forward (B=800, A=8)", group: "filter", ...options }, () => {
  forwardFilter(filter);
});
Deno.bench({ name: "information-attention forward+backward", group: "filter", ...options }, () => {
  backward(() => filterLoss(filter), filter.variables);
});
Deno.bench({ name: "mean filter forward (ablation)", group: "filter", ...options }, () => {
  forwardFilter(mean);
});
