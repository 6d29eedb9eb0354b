/**
 * The PPO losses of GR-MAPPO: the clipped surrogate per action head, the clipped value loss with the
 * symmetric Huber loss, and the mean entropy of the heads.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Inputs of {@linkcode ppoLoss}; `M` samples (sample × node), `S` action heads (one per service). */
export interface PpoLossInput {
  /** Log-probability of the taken action per head under the current policy `[M,S]`. */
  logProbs: tf.Tensor2D;
  /** The same under the policy that collected the rollout `[M,S]` (not part of the loss). */
  oldLogProbs: tf.Tensor2D;
  /** Standardised advantage per sample `[M]`, shared by the sample's heads. */
  advantages: tf.Tensor1D;
  /** Entropy of each head's categorical `[M,S]`. */
  entropy: tf.Tensor2D;
  /** Normalised value predictions `[M]`. */
  values: tf.Tensor1D;
  /** Normalised predictions of the collecting critic `[M]`. */
  oldValues: tf.Tensor1D;
  /** Normalised value targets `[M]`. */
  returns: tf.Tensor1D;
}

/** Options of {@linkcode ppoLoss}. */
export interface PpoLossOptions {
  /** Clip range ε of the ratio (default 0.2). */
  clip?: number;
  /** Clip range of the value change (default 0.2). */
  valueClip?: number;
  /** δ of the Huber loss (default 10). */
  huberDelta?: number;
}

/** The loss terms, scalars. */
export interface PpoLossTerms {
  /** −mean over samples and heads of min(r·A, clip(r, 1−ε, 1+ε)·A). */
  policyLoss: tf.Scalar;
  /** mean over samples of max(huber(R − V_clipped), huber(R − V)). */
  valueLoss: tf.Scalar;
  /** Mean entropy of the heads (carries gradient). */
  entropy: tf.Scalar;
  /** Fraction of heads whose ratio left [1−ε, 1+ε] (not part of the loss). */
  clipFraction: tf.Scalar;
  /** Mean of old − new log-probability, an estimate of the KL divergence (not part of the loss). */
  approxKl: tf.Scalar;
}

/** The symmetric Huber loss: e²/2 for |e| ≤ δ, else δ·(|e| − δ/2), element-wise. */
export function huber(error: tf.Tensor, delta: number): tf.Tensor {
  return tf.tidy(() => {
    const abs = tf.abs(error);
    const quadratic = tf.minimum(abs, delta);
    const linear = tf.sub(abs, quadratic);
    return tf.add(tf.mul(0.5, tf.square(quadratic)), tf.mul(delta, linear));
  });
}

/** Computes the PPO loss terms (call inside `tf.tidy` or a gradient function). */
export function ppoLoss(x: PpoLossInput, options: PpoLossOptions = {}): PpoLossTerms {
  const eps = options.clip ?? 0.2;
  const valueClip = options.valueClip ?? 0.2;
  const delta = options.huberDelta ?? 10;
  const logRatio = tf.sub(x.logProbs, x.oldLogProbs);
  const ratio = tf.exp(logRatio);
  const adv = tf.expandDims(x.advantages, 1);
  const surrogate = tf.mul(ratio, adv);
  const clipped = tf.mul(tf.clipByValue(ratio, 1 - eps, 1 + eps), adv);
  const policyLoss = tf.neg(tf.mean(tf.minimum(surrogate, clipped))) as tf.Scalar;

  const valueClipped = tf.add(
    x.oldValues,
    tf.clipByValue(tf.sub(x.values, x.oldValues), -valueClip, valueClip),
  );
  const lossClipped = huber(tf.sub(x.returns, valueClipped), delta);
  const lossOriginal = huber(tf.sub(x.returns, x.values), delta);
  const valueLoss = tf.mean(tf.maximum(lossClipped, lossOriginal)) as tf.Scalar;

  const entropy = tf.mean(x.entropy) as tf.Scalar;
  const outside = tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), eps), "float32");
  const clipFraction = tf.mean(outside) as tf.Scalar;
  const approxKl = tf.neg(tf.mean(logRatio)) as tf.Scalar;
  return { policyLoss, valueLoss, entropy, clipFraction, approxKl };
}
