/**
 * [ours] The fixed time one layer costs on the active backend, in
 * multiply-accumulates per image, for the search's `latency` penalty. Times
 * plain LayersModels (served as the exported models are, through predict)
 * made of 1 or `depth` 3x3 convolutions with bias and ReLU (a ResNet layer
 * after BN folding) at two widths, interleaved; the differences give each
 * width's time per layer, and the fit time = fixed + slope x MACs gives the
 * fixed part. Fixed over slope is what a layer costs before it computes.
 */
import * as tf from '@tensorflow/tfjs';
import { median, timeToResult } from './timing.js';

export interface LayerCostOptions {
  /** Images per timed call (the batch the model is meant to serve). */
  batchSize?: number;
  /** Spatial size of the probe layers. */
  size?: number;
  /** The two probe widths (channels in and out). */
  narrow?: number;
  wide?: number;
  /** Layers of the deep probes. */
  depth?: number;
  runs?: number;
  warmup?: number;
}

export interface LayerCost {
  backend: string;
  /** Fixed cost of a layer in MACs per image (>= 0). */
  macs: number;
  /** Measured milliseconds per layer and call at the narrow and the wide width. */
  narrowMs: number;
  wideMs: number;
  /** Milliseconds per million MACs per image at this batch size. */
  msPerMmac: number;
}

function probeModel(depth: number, width: number, size: number): tf.Sequential {
  const model = tf.sequential();
  for (let i = 0; i < depth; i++) {
    model.add(
      tf.layers.conv2d({
        filters: width,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        ...(i === 0 ? { inputShape: [size, size, width] } : {}),
        kernelInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: i + 1 }),
        biasInitializer: 'ones',
      }),
    );
  }
  return model;
}

export async function measureLayerCost(opts: LayerCostOptions = {}): Promise<LayerCost> {
  const batch = opts.batchSize ?? 16;
  const size = opts.size ?? 16;
  const narrow = opts.narrow ?? 8;
  const wide = opts.wide ?? 32;
  const depth = opts.depth ?? 5;
  const runs = opts.runs ?? 15;
  const warmup = opts.warmup ?? 3;
  if (!(narrow >= 1 && wide > narrow && depth >= 2 && runs >= 1 && batch >= 1)) {
    throw new RangeError('layer-cost probe: need 1 <= narrow < wide, depth >= 2, runs >= 1, batch >= 1');
  }
  const macs = (w: number) => size * size * 9 * w * w;
  const probes = [narrow, wide].flatMap((width) =>
    [1, depth].map((d) => ({ width, depth: d, model: probeModel(d, width, size), x: tf.randomUniform([batch, size, size, width], -1, 1, 'float32', 7), times: [] as number[] })),
  );
  const once = (p: (typeof probes)[number]) => timeToResult(() => p.model.predict(p.x) as tf.Tensor);
  try {
    for (let i = 0; i < warmup; i++) for (const p of probes) await once(p);
    // Interleaved, so drift on a shared machine hits every probe alike.
    for (let i = 0; i < runs; i++) for (const p of probes) p.times.push(await once(p));
  } finally {
    for (const p of probes) {
      p.model.dispose();
      p.x.dispose();
    }
  }
  const perLayer = (width: number) => {
    const [one, deep] = probes.filter((p) => p.width === width).map((p) => median(p.times)) as [number, number];
    return (deep - one) / (depth - 1);
  };
  const narrowMs = perLayer(narrow);
  const wideMs = perLayer(wide);
  const slope = Math.max(wideMs - narrowMs, 1e-9) / (macs(wide) - macs(narrow));
  const fixedMs = narrowMs - slope * macs(narrow);
  return { backend: tf.getBackend(), macs: Math.max(0, Math.round(fixedMs / slope)), narrowMs, wideMs, msPerMmac: slope * 1e6 };
}
