/**
 * Imports a TF.js LayersModel (Sequential or functional) into the engine's
 * graph. Only standard layers are accepted; anything else is rejected with the
 * layer's name and class so the user knows what to change.
 */
import { ModelInputError, readModelFolder, type ModelJson } from './model-folder.js';
import { inferShapes } from './shapes.js';
import type { Activation, Graph, GraphNode, NodeAttrs, Padding, WeightRole, WeightTensor } from './types.js';

type Cfg = Record<string, unknown>;

interface RawLayer {
  name: string;
  className: string;
  config: Cfg;
  inputs: string[];
}

export async function loadGraph(dir: string): Promise<Graph> {
  const { modelJson, weights } = await readModelFolder(dir);
  return importGraph(modelJson, weights);
}

export function importGraph(modelJson: ModelJson, weights: Map<string, WeightTensor>): Graph {
  const topo = unwrapTopology(modelJson.modelTopology);
  const className = String(topo.class_name ?? topo.className ?? '');
  let raw: RawLayer[];
  let inputName: string;
  let outputName: string;
  let name: string;
  if (className === 'Sequential') {
    ({ raw, inputName, outputName, name } = readSequential(topo));
  } else if (className === 'Model' || className === 'Functional') {
    ({ raw, inputName, outputName, name } = readFunctional(topo));
  } else {
    throw new ModelInputError(`unsupported model class "${className}" (expected Sequential or Model)`);
  }

  const ordered = reachingOutput(topoSort(raw, inputName), inputName, outputName);
  const weightIndex = indexWeights(weights, ordered.map((l) => l.name));
  const nodes: GraphNode[] = ordered.map((l) => {
    const attrs = parseAttrs(l);
    return {
      name: l.name,
      className: l.className,
      attrs,
      inputs: l.inputs,
      weights: attachWeights(l, attrs, weightIndex.get(l.name) ?? new Map()),
      outputShape: [],
      config: l.config,
    };
  });
  const graph: Graph = {
    name,
    nodes,
    byName: new Map(nodes.map((n) => [n.name, n])),
    input: inputName,
    output: outputName,
    meta: {
      kerasVersion: typeof topo.keras_version === 'string' ? topo.keras_version : undefined,
      backend: typeof topo.backend === 'string' ? topo.backend : undefined,
      generatedBy: modelJson.generatedBy,
      convertedBy: modelJson.convertedBy ?? null,
    },
  };
  inferShapes(graph);
  return graph;
}

function unwrapTopology(t: Record<string, unknown>): Cfg {
  // Keras' own save format nests the model under model_config.
  const inner = (t.model_config ?? t.modelConfig) as Cfg | undefined;
  return inner && typeof inner === 'object' ? inner : t;
}

function readSequential(topo: Cfg): { raw: RawLayer[]; inputName: string; outputName: string; name: string } {
  const cfg = topo.config as Cfg | unknown[];
  const layers = (Array.isArray(cfg) ? cfg : (cfg.layers as Cfg[])) as Cfg[];
  const name = (!Array.isArray(cfg) && typeof cfg.name === 'string' ? cfg.name : 'sequential') as string;
  if (!layers || layers.length === 0) throw new ModelInputError('Sequential model has no layers');
  const raw: RawLayer[] = [];
  let prev: string | undefined;
  const first = layers[0]!;
  if (first.class_name !== 'InputLayer') {
    const fc = (first.config ?? {}) as Cfg;
    const shape = (fc.batch_input_shape ?? fc.batchInputShape) as (number | null)[] | undefined;
    if (!shape) throw new ModelInputError('Sequential model: first layer has no batch_input_shape');
    prev = `${name}_input`;
    raw.push({
      name: prev,
      className: 'InputLayer',
      config: { batch_input_shape: shape, dtype: fc.dtype ?? 'float32', sparse: false, name: prev },
      inputs: [],
    });
  }
  for (const l of layers) {
    const cfgL = (l.config ?? {}) as Cfg;
    const lname = String(cfgL.name ?? l.name ?? `layer_${raw.length}`);
    raw.push({ name: lname, className: String(l.class_name), config: cfgL, inputs: prev ? [prev] : [] });
    prev = lname;
  }
  return { raw, inputName: raw[0]!.name, outputName: prev!, name };
}

function readFunctional(topo: Cfg): { raw: RawLayer[]; inputName: string; outputName: string; name: string } {
  const cfg = topo.config as Cfg;
  const layers = (cfg.layers ?? []) as Cfg[];
  const inputs = refNames(cfg.input_layers ?? cfg.inputLayers);
  const outputs = refNames(cfg.output_layers ?? cfg.outputLayers);
  if (inputs.length !== 1) throw new ModelInputError(`model has ${inputs.length} inputs; only single-input models are supported`);
  if (outputs.length !== 1) throw new ModelInputError(`model has ${outputs.length} outputs; only single-output models are supported`);
  const raw = layers.map((l): RawLayer => {
    const lname = String(l.name ?? (l.config as Cfg | undefined)?.name);
    const className = String(l.class_name);
    const inbound = (l.inbound_nodes ?? l.inboundNodes ?? []) as unknown[];
    if (inbound.length > 1) {
      throw new ModelInputError(`layer "${lname}" (${className}) is applied ${inbound.length} times; shared layers are not supported`);
    }
    return { name: lname, className, config: (l.config ?? {}) as Cfg, inputs: inbound.length ? inboundNames(inbound[0]) : [] };
  });
  return { raw, inputName: inputs[0]!, outputName: outputs[0]!, name: String(cfg.name ?? 'model') };
}

function refNames(refs: unknown): string[] {
  if (!Array.isArray(refs)) return [];
  // [[name, node, tensor], ...] or a single [name, node, tensor]
  if (typeof refs[0] === 'string') return [refs[0]];
  return refs.map((r) => String((r as unknown[])[0]));
}

/** Inbound tensors of one call: the legacy list form or the Keras 3 `keras_history` form. */
function inboundNames(call: unknown): string[] {
  if (Array.isArray(call)) return call.map((r) => String((r as unknown[])[0]));
  const names: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Cfg;
      const hist = (o.config as Cfg | undefined)?.keras_history;
      if (Array.isArray(hist)) names.push(String(hist[0]));
      else Object.values(o).forEach(walk);
    }
  };
  walk((call as Cfg).args ?? call);
  return names;
}

function topoSort(raw: RawLayer[], inputName: string): RawLayer[] {
  const byName = new Map(raw.map((l) => [l.name, l]));
  for (const l of raw) {
    for (const i of l.inputs) {
      if (!byName.has(i)) throw new ModelInputError(`layer "${l.name}" reads from unknown layer "${i}"`);
    }
  }
  const done = new Set<string>();
  const order: RawLayer[] = [];
  const visiting = new Set<string>();
  const visit = (l: RawLayer): void => {
    if (done.has(l.name)) return;
    if (visiting.has(l.name)) throw new ModelInputError(`cycle in the model graph at layer "${l.name}"`);
    visiting.add(l.name);
    for (const i of l.inputs) visit(byName.get(i)!);
    visiting.delete(l.name);
    done.add(l.name);
    order.push(l);
  };
  const input = byName.get(inputName);
  if (!input) throw new ModelInputError(`model input layer "${inputName}" not found`);
  visit(input);
  for (const l of raw) visit(l);
  return order;
}

/** Keeps the layers the output depends on (a model can carry unused branches). */
function reachingOutput(ordered: RawLayer[], inputName: string, outputName: string): RawLayer[] {
  const byName = new Map(ordered.map((l) => [l.name, l]));
  if (!byName.has(outputName)) throw new ModelInputError(`model output layer "${outputName}" not found`);
  const needed = new Set<string>();
  const stack = [outputName];
  while (stack.length) {
    const n = stack.pop()!;
    if (needed.has(n)) continue;
    needed.add(n);
    stack.push(...byName.get(n)!.inputs);
  }
  if (!needed.has(inputName)) throw new ModelInputError(`model output "${outputName}" does not depend on input "${inputName}"`);
  return ordered.filter((l) => needed.has(l.name));
}

// --- attributes ------------------------------------------------------------

function get<T>(c: Cfg, snake: string, fallback?: T): T {
  const camel = snake.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
  const v = c[snake] ?? c[camel];
  return (v === undefined || v === null ? fallback : v) as T;
}

function pair(v: unknown, what: string, layer: RawLayer): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return [v[0], v[0]];
  throw new ModelInputError(`layer "${layer.name}" (${layer.className}): cannot read ${what} ${JSON.stringify(v)}`);
}

function padPairs(v: unknown, layer: RawLayer): [[number, number], [number, number]] {
  if (typeof v === 'number') return [[v, v], [v, v]];
  if (Array.isArray(v) && v.length === 2) {
    const [a, b] = v as unknown[];
    if (typeof a === 'number' && typeof b === 'number') return [[a, a], [b, b]];
    return [pair(a, 'padding', layer), pair(b, 'padding', layer)];
  }
  throw new ModelInputError(`layer "${layer.name}" (${layer.className}): cannot read padding ${JSON.stringify(v)}`);
}

const activations = new Set<Activation>([
  'linear', 'relu', 'relu6', 'softmax', 'sigmoid', 'tanh', 'elu', 'selu', 'softplus', 'softsign', 'swish', 'hard_sigmoid', 'mish',
]);
const activationAliases: Record<string, Activation> = { hardSigmoid: 'hard_sigmoid', silu: 'swish' };

function activation(v: unknown, layer: RawLayer): Activation {
  const raw = v === undefined || v === null ? 'linear' : typeof v === 'string' ? v : (v as Cfg).class_name;
  const name = activationAliases[String(raw)] ?? String(raw);
  if (!activations.has(name as Activation)) {
    throw new ModelInputError(`layer "${layer.name}" (${layer.className}): unsupported activation "${name}"`);
  }
  return name as Activation;
}

function padding(v: unknown, layer: RawLayer): Padding {
  if (v === 'same' || v === 'valid') return v;
  throw new ModelInputError(`layer "${layer.name}" (${layer.className}): unsupported padding "${String(v)}"`);
}

function checkChannelsLast(c: Cfg, layer: RawLayer): void {
  const fmt = get<string>(c, 'data_format', 'channels_last');
  if (fmt !== 'channels_last') {
    throw new ModelInputError(`layer "${layer.name}" (${layer.className}): data_format ${fmt} is not supported (channels_last only)`);
  }
}

/** Element-wise merge layers: Keras class -> graph op. */
const mergeOps = {
  Add: 'add',
  Subtract: 'subtract',
  Multiply: 'multiply',
  Average: 'average',
  Maximum: 'maximum',
  Minimum: 'minimum',
} as const;

function parseAttrs(l: RawLayer): NodeAttrs {
  const c = l.config;
  const unsupported = (why: string) => new ModelInputError(`layer "${l.name}" (${l.className}): ${why}`);
  switch (l.className) {
    case 'InputLayer': {
      const shape = get<(number | null)[] | undefined>(c, 'batch_input_shape') ?? (get<(number | null)[] | undefined>(c, 'batch_shape'));
      if (!shape) throw unsupported('no batch_input_shape');
      const dims = shape.slice(1);
      if (dims.some((d) => d === null)) throw unsupported(`input shape ${JSON.stringify(shape)} has unknown dimensions`);
      return { op: 'input', shape: dims as number[] };
    }
    case 'Conv2D': {
      checkChannelsLast(c, l);
      if (get<number>(c, 'groups', 1) !== 1) throw unsupported('grouped convolution is not supported');
      return {
        op: 'conv2d',
        filters: get<number>(c, 'filters'),
        kernelSize: pair(get(c, 'kernel_size'), 'kernel_size', l),
        strides: pair(get(c, 'strides', 1), 'strides', l),
        padding: padding(get(c, 'padding', 'valid'), l),
        dilation: pair(get(c, 'dilation_rate', 1), 'dilation_rate', l),
        activation: activation(get(c, 'activation'), l),
        useBias: get<boolean>(c, 'use_bias', true),
      };
    }
    case 'DepthwiseConv2D': {
      checkChannelsLast(c, l);
      return {
        op: 'depthwiseConv2d',
        depthMultiplier: get<number>(c, 'depth_multiplier', 1),
        kernelSize: pair(get(c, 'kernel_size'), 'kernel_size', l),
        strides: pair(get(c, 'strides', 1), 'strides', l),
        padding: padding(get(c, 'padding', 'valid'), l),
        dilation: pair(get(c, 'dilation_rate', 1), 'dilation_rate', l),
        activation: activation(get(c, 'activation'), l),
        useBias: get<boolean>(c, 'use_bias', true),
      };
    }
    case 'Dense':
      return {
        op: 'dense',
        units: get<number>(c, 'units'),
        activation: activation(get(c, 'activation'), l),
        useBias: get<boolean>(c, 'use_bias', true),
      };
    case 'BatchNormalization': {
      const axis = get<number | number[]>(c, 'axis', -1);
      const ax = Array.isArray(axis) ? axis : [axis];
      if (ax.length !== 1) throw unsupported(`normalising over axes ${JSON.stringify(axis)} is not supported`);
      // The axis must be the last one; checked against the input rank in shape inference.
      return { op: 'batchNorm', epsilon: get<number>(c, 'epsilon', 1e-3), center: get(c, 'center', true), scale: get(c, 'scale', true) };
    }
    case 'Activation':
      return { op: 'activation', activation: activation(get(c, 'activation'), l) };
    case 'ReLU': {
      const maxValue = get<number | null>(c, 'max_value', null);
      const slope = get<number>(c, 'negative_slope', 0);
      const threshold = get<number>(c, 'threshold', 0);
      if (slope !== 0 || threshold !== 0) throw unsupported('negative_slope / threshold are not supported');
      if (maxValue === null) return { op: 'activation', activation: 'relu' };
      if (maxValue === 6) return { op: 'activation', activation: 'relu6' };
      return { op: 'reluClip', maxValue };
    }
    case 'LeakyReLU':
      return { op: 'leakyRelu', alpha: get<number>(c, 'alpha', get<number>(c, 'negative_slope', 0.3)) };
    case 'Softmax': {
      const axis = get<number>(c, 'axis', -1);
      if (axis !== -1) throw unsupported(`softmax over axis ${axis} is not supported (last axis only)`);
      return { op: 'activation', activation: 'softmax' };
    }
    case 'MaxPooling2D':
    case 'MaxPool2D':
    case 'AveragePooling2D':
    case 'AvgPool2D': {
      checkChannelsLast(c, l);
      const poolSize = pair(get(c, 'pool_size', 2), 'pool_size', l);
      return {
        op: l.className.startsWith('Max') ? 'maxPool' : 'avgPool',
        poolSize,
        strides: pair(get(c, 'strides', poolSize), 'strides', l),
        padding: padding(get(c, 'padding', 'valid'), l),
      };
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalAvgPool2D':
    case 'GlobalMaxPooling2D':
    case 'GlobalMaxPool2D':
      checkChannelsLast(c, l);
      if (get<boolean>(c, 'keepdims', false)) throw unsupported('keepdims is not supported');
      return { op: l.className.includes('Max') ? 'globalMaxPool' : 'globalAvgPool' };
    case 'Flatten':
      checkChannelsLast(c, l);
      return { op: 'flatten' };
    case 'Dropout':
    case 'SpatialDropout2D':
    case 'GaussianNoise':
    case 'GaussianDropout':
    case 'AlphaDropout':
      // Identity at inference time, and the search runs the model in inference mode.
      return { op: 'dropout' };
    case 'Add':
    case 'Subtract':
    case 'Multiply':
    case 'Average':
    case 'Maximum':
    case 'Minimum':
      return { op: mergeOps[l.className] };
    case 'Concatenate':
      return { op: 'concat', axis: get<number>(c, 'axis', -1) };
    case 'ZeroPadding2D':
      checkChannelsLast(c, l);
      return { op: 'zeroPad', padding: padPairs(get(c, 'padding', 1), l) };
    case 'Cropping2D':
      checkChannelsLast(c, l);
      return { op: 'cropping', cropping: padPairs(get(c, 'cropping', 0), l) };
    case 'Permute':
      return { op: 'permute', dims: get<number[]>(c, 'dims') };
    case 'Reshape':
      return { op: 'reshape', targetShape: get<number[]>(c, 'target_shape') };
    default:
      throw new ModelInputError(`unsupported layer "${l.name}" of class ${l.className}`);
  }
}

// --- weights ---------------------------------------------------------------

const roleNames: Record<string, WeightRole> = {
  kernel: 'kernel',
  depthwise_kernel: 'kernel',
  bias: 'bias',
  gamma: 'gamma',
  beta: 'beta',
  moving_mean: 'movingMean',
  moving_variance: 'movingVariance',
};

/** Groups manifest weights by owning layer: `<scope>/<layer>/<role>`, longest layer-name match wins. */
function indexWeights(weights: Map<string, WeightTensor>, layerNames: string[]): Map<string, Map<string, WeightTensor>> {
  const names = new Set(layerNames);
  const out = new Map<string, Map<string, WeightTensor>>();
  for (const [full, t] of weights) {
    const parts = full.replace(/:\d+$/, '').split('/');
    const role = parts[parts.length - 1]!;
    let owner: string | undefined;
    for (let i = parts.length - 1; i >= 1 && !owner; i--) {
      for (let j = 0; j < i; j++) {
        const candidate = parts.slice(j, i).join('/');
        if (names.has(candidate)) {
          owner = candidate;
          break;
        }
      }
    }
    if (!owner) continue;
    let m = out.get(owner);
    if (!m) out.set(owner, (m = new Map()));
    // Duplicate-name suffixes ("kernel_1") still name the same role.
    const stripped = role.replace(/_\d+$/, '');
    m.set(roleNames[role] || !roleNames[stripped] ? role : stripped, t);
  }
  return out;
}

function attachWeights(l: RawLayer, attrs: NodeAttrs, found: Map<string, WeightTensor>): GraphNode['weights'] {
  const w: GraphNode['weights'] = {};
  for (const [kerasRole, t] of found) {
    const role = roleNames[kerasRole];
    if (role) w[role] = t;
  }
  const need = (role: WeightRole, kerasRole: string) => {
    if (!w[role]) throw new ModelInputError(`layer "${l.name}" (${l.className}): weight ${kerasRole} not found in the weights manifest`);
  };
  switch (attrs.op) {
    case 'conv2d':
    case 'depthwiseConv2d':
    case 'dense':
      need('kernel', attrs.op === 'depthwiseConv2d' ? 'depthwise_kernel' : 'kernel');
      if (attrs.useBias) need('bias', 'bias');
      break;
    case 'batchNorm':
      need('movingMean', 'moving_mean');
      need('movingVariance', 'moving_variance');
      if (attrs.scale) need('gamma', 'gamma');
      if (attrs.center) need('beta', 'beta');
      break;
    default:
      break;
  }
  return w;
}
