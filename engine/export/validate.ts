/**
 * Checks a mask set and a head against the model before anything is
 * exported, with messages that name the layer and what is wrong: masks read
 * from disk or another process may be stale (another model), truncated, or
 * hold values other than 0 / 1.
 */
import { logitsNode } from '../graph/forward.js';
import { isMaskable, numel, type Graph } from '../graph/types.js';
import { maskSpecs, type MaskSet } from '../masks/masks.js';
import type { HeadData } from '../search/head.js';
import { MaskValidationError } from './errors.js';

export function validateMaskSet(graph: Graph, set: MaskSet): void {
  const fail = (msg: string): never => {
    throw new MaskValidationError(`invalid masks for model "${graph.name}": ${msg}`);
  };
  if (!set || typeof set !== 'object') fail('not a mask set');
  if (set.granularity !== 'weight' && set.granularity !== 'filter') fail(`granularity must be "weight" or "filter", got ${JSON.stringify(set.granularity)}`);
  if (!Array.isArray(set.specs) || !Array.isArray(set.masks)) fail('specs and masks must be arrays');
  if (set.specs.length !== set.masks.length) fail(`${set.specs.length} specs but ${set.masks.length} masks`);
  const expected = new Map(maskSpecs(graph, set.granularity).map((s) => [`${s.node}/${s.role}`, s]));
  const seen = new Set<string>();
  set.specs.forEach((spec, i) => {
    const key = `${spec.node}/${spec.role}`;
    const node = graph.byName.get(spec.node);
    if (!node) fail(`mask ${i} is for layer "${spec.node}", which the model does not have`);
    if (!isMaskable(node!)) fail(`mask ${i} is for layer "${spec.node}" (${node!.className}), which has no maskable weights`);
    const want = expected.get(key);
    if (!want) fail(`mask ${i} (${key}): role "${spec.role}" does not exist at ${set.granularity} granularity for this layer`);
    if (seen.has(key)) fail(`two masks for ${key}`);
    seen.add(key);
    if (!Array.isArray(spec.shape) || spec.shape.join() !== want!.shape.join()) {
      fail(`mask ${key} has shape ${JSON.stringify(spec.shape)}, the model needs ${JSON.stringify(want!.shape)}`);
    }
    const m = set.masks[i] as ArrayLike<number> | undefined;
    const n = numel(want!.shape);
    if (!m || typeof m.length !== 'number') fail(`mask ${key} has no values`);
    if (m!.length !== n) fail(`mask ${key} holds ${m!.length} values for shape ${JSON.stringify(want!.shape)} (${n} expected)`);
    for (let j = 0; j < n; j++) {
      const v = m![j];
      if (v !== 0 && v !== 1) fail(`mask ${key} has ${Number.isNaN(v) ? 'NaN' : JSON.stringify(v)} at index ${j}; masks hold only 0 or 1`);
    }
  });
}

export function validateHead(graph: Graph, head: HeadData): void {
  const fail = (msg: string): never => {
    throw new MaskValidationError(`invalid head for model "${graph.name}": ${msg}`);
  };
  const logits = graph.byName.get(logitsNode(graph).node)!.outputShape;
  if (logits.length !== 1) fail(`the model's logits have shape ${JSON.stringify(logits)}, not [classes]`);
  const C = logits[0]!;
  if (head.kind !== 'appended' && head.kind !== 'sliced') fail(`kind must be "appended" or "sliced", got ${JSON.stringify(head.kind)}`);
  if (head.mode !== 'binary' && head.mode !== 'multiclass') fail(`mode must be "binary" or "multiclass", got ${JSON.stringify(head.mode)}`);
  if (head.numLogits !== C) fail(`made for ${head.numLogits} logits, the model has ${C}`);
  const k = head.mode === 'binary' ? 2 : head.classes.length;
  if (head.numOutputs !== k) fail(`numOutputs ${head.numOutputs}, expected ${k} for ${head.mode} over [${head.classes.join(', ')}]`);
  if (head.mode === 'binary' && head.classes.length !== 1) fail(`a binary head takes one class, got [${head.classes.join(', ')}]`);
  const bad = head.classes.filter((c) => !Number.isInteger(c) || c < 0 || c >= C);
  if (bad.length) fail(`class ids ${bad.join(', ')} out of range 0..${C - 1}`);
  if (new Set(head.classes).size !== head.classes.length) fail(`duplicate classes in [${head.classes.join(', ')}]`);
  if (head.kind === 'appended') {
    const finite = (a: ArrayLike<number> | undefined, n: number, what: string) => {
      if (!a || a.length !== n) fail(`${what} holds ${a?.length ?? 0} values, ${n} expected`);
      for (let i = 0; i < n; i++) if (!Number.isFinite(a![i])) fail(`${what} has ${a![i]} at index ${i}`);
    };
    finite(head.kernel, C * k, 'kernel');
    finite(head.bias, k, 'bias');
  }
}
