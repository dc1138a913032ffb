// A masked-out filter still emits a constant (its bias, the BN shift, then the
// activation). Removing it must move that constant somewhere exact: into the
// consumer's bias when the consumer sees the same value everywhere, or onto
// one kept carrier channel when zero padding makes the contribution depend on
// the position (a 'same' conv, or an explicit ZeroPadding2D before a 'valid'
// conv). Each case sets the constant to a clearly non-zero value.
import { describe, expect, it } from 'vitest';
import { buildMasked } from '../engine/export/build.js';
import { compactGraph } from '../engine/export/compact.js';
import type { Graph } from '../engine/graph/types.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { killFilters, maxDiff, setShift } from './fixtures/export-edits.js';
import { fixtureGraph, plainCnn, resnetPadShortcut, resnetProjection } from './fixtures/export-models.js';

useEngineBackend();

const width = (g: Graph, node: string) => g.byName.get(node)!.outputShape.at(-1);

describe('folding the constants of removed channels', () => {
  it('a dead filter with a bias folds into the next valid conv\'s (new) bias', async () => {
    const { graph } = await fixtureGraph(plainCnn);
    // c1 keeps its bias, BN keeps it positive, ReLU passes it: c2 ('valid') sees a constant 0.7 + b.
    graph.byName.get('c1')!.weights.bias!.data[3] = 0.2;
    setShift(graph, 'b1', 3, 0.7);
    const masked = buildMasked({ graph, masks: killFilters(graph, 'weight', { c1: [3] }) }).graph;
    const compact = compactGraph(masked, { simplify: false });
    expect(width(compact.graph, 'c1')).toBe(7);
    expect(compact.summary.foldedChannels).toBe(1);
    expect(compact.summary.groups.forcedKept).toBe(0);
    const c2 = compact.graph.byName.get('c2')!;
    expect(masked.byName.get('c2')!.weights.bias).toBeUndefined();
    expect(c2.attrs).toMatchObject({ useBias: true });
    expect(c2.config.use_bias).toBe(true);
    expect(Math.max(...Array.from(c2.weights.bias!.data, Math.abs))).toBeGreaterThan(1e-3);
    expect(maxDiff(masked, compact.graph)).toBeLessThan(1e-4);
  });

  it('BN shifts read by a \'same\' conv ride on one kept carrier channel, not on the bias', async () => {
    const { graph } = await fixtureGraph(resnetProjection);
    [0.5, 1.25, 0.8].forEach((v, i) => setShift(graph, 'b2_bn1', i + 1, v));
    const masked = buildMasked({ graph, masks: killFilters(graph, 'filter', { b2_c1: [1, 2, 3] }) }).graph;
    const compact = compactGraph(masked, { simplify: false });
    // Three constant channels: two removed and merged onto the third (the border differs from the interior).
    expect(width(compact.graph, 'b2_c1')).toBe(6);
    expect(compact.summary.groups.forcedKept).toBe(1);
    expect(compact.summary.mergedChannels).toBe(2);
    expect(maxDiff(masked, compact.graph)).toBeLessThan(1e-4);
  });

  it('a dead channel whose constant is zero needs neither fold nor carrier', async () => {
    const { graph } = await fixtureGraph(resnetProjection);
    [1, 2, 3].forEach((c) => setShift(graph, 'b2_bn1', c, -0.5)); // ReLU(-0.5) = 0
    const masked = buildMasked({ graph, masks: killFilters(graph, 'filter', { b2_c1: [1, 2, 3] }) }).graph;
    const compact = compactGraph(masked, { simplify: false });
    expect(width(compact.graph, 'b2_c1')).toBe(5);
    expect(compact.summary).toMatchObject({ foldedChannels: 0, mergedChannels: 0, groups: { forcedKept: 0 } });
    expect(maxDiff(masked, compact.graph)).toBeLessThan(1e-4);
  });

  it('constant residual channels before an explicit ZeroPadding2D + valid conv (ResNet-20 downsampling) stay exact', async () => {
    const { graph } = await fixtureGraph(resnetPadShortcut);
    // Residual channels 0 and 1 of stage 1 and their continuation (2, 3) in stage 2 all go constant.
    setShift(graph, 'stem_bn', 0, 0.6);
    setShift(graph, 'stem_bn', 1, 0.9);
    const masked = buildMasked({ graph, masks: killFilters(graph, 'filter', { stem: [0, 1], b1_c2: [0, 1], b2_c2: [2, 3] }) }).graph;
    const compact = compactGraph(masked, { simplify: false });
    expect(width(compact.graph, 'b1_out')).toBe(3);
    expect(width(compact.graph, 'b2_out')).toBe(7);
    expect(compact.graph.byName.get('b2_chanpad')!.config.padding).toEqual([[2, 2], [0, 0]]);
    expect(compact.summary.groups.forcedKept).toBe(1);
    expect(maxDiff(masked, compact.graph)).toBeLessThan(1e-4);
  });

  it('folds BatchNorm and ReLU into the conv before them, exactly', async () => {
    const { graph } = await fixtureGraph(resnetProjection);
    const masked = buildMasked({ graph, masks: killFilters(graph, 'filter', { b1_c1: [0] }) }).graph;
    const compact = compactGraph(masked);
    expect(compact.summary.foldedBatchNorms).toContain('b1_bn1');
    expect(compact.summary.mergedActivations).toContain('b1_r1');
    expect(compact.graph.byName.has('b1_bn1')).toBe(false);
    expect(compact.graph.byName.get('b1_c1')!.attrs).toMatchObject({ activation: 'relu', useBias: true });
    expect(maxDiff(masked, compact.graph)).toBeLessThan(1e-4);
  });
});
