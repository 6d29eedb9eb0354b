import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Scalar, Tensor, Tensor3D, Tensor4D } from "@tensorflow/tfjs";
import { useBackend } from "../../../core/backend.ts";
import { Random } from "../../../core/random.ts";
import { TransformerConvLayer } from "../../../plugins/cma/transformer_conv.ts";
import { assertClose } from "./_near.ts";

const tf = await useBackend("wasm");

// ---- the 3-node example, by hand (plain JS); H = 2 heads of C = 2 channels, F = 2, E = 1 ----
const X = [[1, 0.5], [-0.5, 1], [0.3, -1]];
const WQ = [[0.4, -0.2, 0.3, 0.1], [0.2, 0.5, -0.3, 0.6]];
const BQ = [0.05, 0, -0.05, 0.1];
const WK = [[-0.3, 0.2, 0.5, 0.2], [0.4, 0.3, 0.2, -0.4]];
const WV = [[0.2, -0.6, 0.1, 0.3], [0.5, 0.1, -0.2, 0.2]];
const BV = [0.1, 0, 0.2, -0.1];
const WE = [0.6, -0.4, 0.3, 0.8];
const WSKIP4 = [[0.3, 0.1, -0.2, 0.4], [-0.1, 0.2, 0.5, 0.3]];
const BSKIP4 = [0.01, 0.02, 0.03, 0.04];
const WBETA = [0.2, -0.3, 0.4, 0.1, 0.5, -0.2, 0.3, 0.6, -0.4, 0.2, 0.1, -0.5];
// MASK[i][j] = 1: node i hears node j. Node 2 hears nobody.
const MASK = [[0, 1, 1], [1, 0, 0], [0, 0, 0]];
// EDGE[i][j]: the latency feature of the edge j→i (EDGE[2][1] is masked and must not matter).
const EDGE = [[0, 1.5, 0.4], [0.8, 0, 0], [0, 2, 0]];

function project(w: number[][], b: number[]) {
  return X.map((x) => b.map((bk, k) => bk + x[0] * w[0][k] + x[1] * w[1][k]));
}

function hand(options: { concat: boolean; root: boolean; beta: boolean }) {
  const q = project(WQ, BQ), k = project(WK, [0, 0, 0, 0]), v = project(WV, BV);
  const alpha: number[][][] = [];
  const msg: number[][] = [[], [], []]; // [i][h*2+c]
  for (let h = 0; h < 2; h++) {
    alpha.push([]);
    for (let i = 0; i < 3; i++) {
      const scores = [0, 1, 2].map((j) => {
        if (MASK[i][j] === 0) return -Infinity;
        let s = 0;
        for (let c = 0; c < 2; c++) {
          const kk = h * 2 + c;
          s += q[i][kk] * (k[j][kk] + EDGE[i][j] * WE[kk]);
        }
        return s / Math.sqrt(2);
      });
      const finite = scores.filter((s) => s !== -Infinity);
      const mx = finite.length ? Math.max(...finite) : 0;
      const ex = scores.map((s) => (s === -Infinity ? 0 : Math.exp(s - mx)));
      const sum = ex.reduce((x, y) => x + y, 0);
      const row = ex.map((e) => (sum > 0 ? e / sum : 0));
      alpha[h].push(row);
      for (let c = 0; c < 2; c++) {
        const kk = h * 2 + c;
        msg[i][kk] = row.reduce((acc, a, j) => acc + a * (v[j][kk] + EDGE[i][j] * WE[kk]), 0);
      }
    }
  }
  const width = options.concat ? 4 : 2;
  const merged = msg.map((m) => (options.concat ? m : [0, 1].map((c) => (m[c] + m[2 + c]) / 2)));
  const skip = project(WSKIP4.map((r) => r.slice(0, width)), BSKIP4.slice(0, width));
  const out = merged.map((m, i) => {
    if (!options.root) return m;
    if (!options.beta) return m.map((val, kk) => val + skip[i][kk]);
    const gateIn = [...m, ...skip[i], ...m.map((val, kk) => val - skip[i][kk])];
    const z = gateIn.reduce((acc, g, kk) => acc + g * WBETA[kk], 0);
    const beta = 1 / (1 + Math.exp(-z));
    return m.map((val, kk) => beta * skip[i][kk] + (1 - beta) * val);
  });
  return { out: out.flat(), alpha: alpha.flat(2) };
}

function handLayer(options: { concat: boolean; root: boolean; beta: boolean }) {
  const layer = new TransformerConvLayer({
    inputWidth: 2,
    edgeWidth: 1,
    channels: 2,
    heads: 2,
    ...options,
    name: "test/tconv",
    random: new Random(2),
  });
  const p = layer.params;
  const width = options.concat ? 4 : 2;
  p.wQuery.assign(tf.tensor2d(WQ));
  p.bQuery.assign(tf.tensor1d(BQ));
  p.wKey.assign(tf.tensor2d(WK));
  p.wValue.assign(tf.tensor2d(WV));
  p.bValue.assign(tf.tensor1d(BV));
  p.wEdge.assign(tf.tensor2d([WE]));
  p.wSkip?.assign(tf.tensor2d(WSKIP4.map((r) => r.slice(0, width))));
  p.bSkip?.assign(tf.tensor1d(BSKIP4.slice(0, width)));
  p.wBeta?.assign(tf.tensor2d(WBETA.slice(0, 3 * width), [3 * width, 1]));
  return layer;
}

function handGraph(edges = EDGE) {
  return {
    x: tf.tensor3d([X]),
    mask: tf.tensor3d([MASK]),
    edges: tf.tensor4d([edges.map((r) => r.map((v) => [v]))]),
  };
}

for (
  const options of [
    { concat: true, root: true, beta: false },
    { concat: true, root: true, beta: true },
    { concat: false, root: true, beta: true },
    { concat: false, root: false, beta: false },
  ]
) {
  Deno.test(`TransformerConv equals the 3-node example worked out by hand (${JSON.stringify(options)})`, () => {
    const layer = handLayer(options);
    const { out, attention } = layer.apply(handGraph());
    const expected = hand(options);
    deepStrictEqual(out.shape, [1, 3, options.concat ? 4 : 2]);
    assertClose(out.dataSync(), expected.out, { tol: 1e-5, what: "out" });
    assertClose(attention.dataSync(), expected.alpha, { tol: 1e-5, what: "attention" });
    layer.dispose();
  });
}

Deno.test("TransformerConv: masked pairs get exactly zero, rows sum to 1, an isolated node gets a zero message", () => {
  const layer = handLayer({ concat: true, root: false, beta: false });
  const { out, attention } = layer.apply(handGraph());
  const a = attention.arraySync()[0];
  for (let h = 0; h < 2; h++) {
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) if (MASK[i][j] === 0) strictEqual(a[h][i][j], 0);
    }
    ok(Math.abs(a[h][0][1] + a[h][0][2] - 1) < 1e-6);
    strictEqual(a[h][1][0], 1);
  }
  ok(Math.abs(a[0][0][1] - a[0][0][2]) > 0.01 && Math.abs(a[0][0][1] - a[1][0][1]) > 0.01, "unequal");
  deepStrictEqual(Array.from(out.arraySync()[0][2]), [0, 0, 0, 0]);
  ok(out.dataSync().every(Number.isFinite));
  layer.dispose();
  // With the root weight the isolated node's output is exactly its root term.
  const rooted = handLayer({ concat: true, root: true, beta: false });
  const r = rooted.apply(handGraph()).out.arraySync()[0][2];
  const skip = [0, 1, 2, 3].map((k) => BSKIP4[k] + X[2][0] * WSKIP4[0][k] + X[2][1] * WSKIP4[1][k]);
  assertClose(r, skip, { tol: 1e-6, what: "root term" });
  rooted.dispose();
});

Deno.test("TransformerConv uses the edge features of unmasked pairs only", () => {
  const layer = handLayer({ concat: true, root: true, beta: false });
  const base = layer.apply(handGraph()).out.dataSync();
  const e2 = EDGE.map((r) => r.slice());
  e2[0][1] = 0.2;
  const changed = layer.apply(handGraph(e2)).out.dataSync();
  ok(Math.abs(changed[0] - base[0]) > 1e-3, "edge feature change moves node 0");
  const e3 = EDGE.map((r) => r.slice());
  e3[2][1] = 7;
  assertClose(layer.apply(handGraph(e3)).out.dataSync(), base, { tol: 0, what: "masked edge" });
  layer.dispose();
});

/** A straightforward TransformerConv with the edge embedding materialised, as the autodiff reference. */
function reference(layer: TransformerConvLayer, x: Tensor3D, mask: Tensor3D, edges: Tensor4D) {
  const [b, a, f] = x.shape;
  const { heads: h, channels: c, params: p } = layer;
  const lin = (w: Tensor, bias: Tensor) => tf.add(tf.matMul(tf.reshape(x, [b * a, f]), w), bias);
  const q = tf.reshape(lin(p.wQuery, p.bQuery), [b, a, 1, h, c]);
  const k = tf.reshape(tf.matMul(tf.reshape(x, [b * a, f]), p.wKey), [b, 1, a, h, c]);
  const v = tf.reshape(lin(p.wValue, p.bValue), [b, 1, a, h, c]);
  const ehat = tf.reshape(tf.matMul(tf.reshape(edges, [-1, edges.shape[3]]), p.wEdge), [b, a, a, h, c]);
  const score = tf.div(tf.sum(tf.mul(q, tf.add(k, ehat)), 4), Math.sqrt(c)); // [b,i,j,h]
  const m = tf.reshape(mask, [b, a, a, 1]);
  const alpha = tf.mul(
    tf.softmax(tf.transpose(tf.add(score, tf.mul(tf.sub(m, 1), 1e9)), [0, 1, 3, 2])),
    tf.reshape(mask, [b, a, 1, a]),
  ); // [b,i,h,j]
  const msg = tf.sum(
    tf.mul(tf.reshape(tf.transpose(alpha, [0, 1, 3, 2]), [b, a, a, h, 1]), tf.add(v, ehat)),
    2,
  );
  const merged = tf.reshape(msg, [b, a, h * c]);
  const skip = tf.reshape(lin(p.wSkip!, p.bSkip!), [b, a, h * c]);
  const gate = tf.sigmoid(
    tf.matMul(tf.reshape(tf.concat([merged, skip, tf.sub(merged, skip)], 2), [b * a, -1]), p.wBeta!),
  );
  const g = tf.reshape(gate, [b, a, 1]);
  return tf.add(tf.mul(g, skip), tf.mul(tf.sub(1, g), merged));
}

Deno.test("TransformerConv gradients equal autodiff of a plain implementation; every variable gets one", () => {
  const random = new Random(5);
  const b = 3, a = 6, f = 5, e = 2;
  const layer = new TransformerConvLayer({
    inputWidth: f,
    edgeWidth: e,
    channels: 3,
    heads: 2,
    beta: true,
    name: "test/tconv-grad",
    random,
  });
  const r = () => random.normal();
  const x = tf.tensor3d(Array.from({ length: b * a * f }, r), [b, a, f]);
  const maskValues = Array.from({ length: b * a * a }, () => (random.next() < 0.5 ? 1 : 0));
  maskValues.fill(0, 0, a); // node 0 of copy 0 is isolated
  const mask = tf.tensor3d(maskValues, [b, a, a]);
  const edges = tf.tensor4d(Array.from({ length: b * a * a * e }, () => random.next() * 2), [b, a, a, e]);
  const w = tf.tensor3d(Array.from({ length: b * a * 6 }, r), [b, a, 6]);
  const loss = (out: Tensor) => tf.sum(tf.mul(tf.tanh(out), w)) as Scalar;
  const fast = tf.variableGrads(() => loss(layer.apply({ x, mask, edges }).out), layer.variables);
  const slow = tf.variableGrads(() => loss(reference(layer, x, mask, edges)), layer.variables);
  assertClose([fast.value.dataSync()[0]], [slow.value.dataSync()[0]], { tol: 1e-4, what: "loss" });
  strictEqual(layer.variables.length, 9);
  for (const v of layer.variables) {
    const g = fast.grads[v.name].dataSync();
    ok(g.every(Number.isFinite), `${v.name} finite`);
    assertClose(g, slow.grads[v.name].dataSync(), { tol: 1e-4, what: v.name });
    ok(g.some((val) => Math.abs(val) > 1e-6), `${v.name} has a non-zero gradient`);
  }
  layer.dispose();
});

Deno.test("TransformerConv keeps the tensor count flat over 100 calls", () => {
  const layer = handLayer({ concat: true, root: true, beta: true });
  const graph = handGraph();
  const before = tf.memory().numTensors;
  for (let k = 0; k < 100; k++) {
    const { out, attention } = layer.apply(graph, { training: true, dropoutSeed: k });
    out.dispose();
    attention.dispose();
  }
  strictEqual(tf.memory().numTensors, before);
  const variables = layer.variables.length;
  layer.dispose();
  strictEqual(tf.memory().numTensors, before - variables - 1);
});
