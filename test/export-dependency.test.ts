// Channel dependency analysis: which channels are tied, per coupling pattern.
// These groups decide what can be removed together, so each rule is checked
// on the layer outputs it connects.
import { describe, expect, it } from 'vitest';
import { analyzeChannels } from '../engine/export/channels.js';
import { loadGraph } from '../engine/graph/import.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { saveToTemp, tinyFunctional } from './fixtures/engine/tiny-models.js';
import { concatNet, depthwiseNet, fixtureGraph, flattenDense, resnetPadShortcut, resnetProjection } from './fixtures/export-models.js';

useEngineBackend();

describe('channel dependency analysis', () => {
  it('conv -> BN -> ReLU share groups; a residual Add ties all its inputs (projection shortcut)', async () => {
    const a = analyzeChannels((await fixtureGraph(resnetProjection)).graph);
    expect(a.groupsOf('b1_bn1')).toEqual(a.groupsOf('b1_c1'));
    expect(a.groupsOf('b1_r1')).toEqual(a.groupsOf('b1_c1'));
    expect(a.groupsOf('b1_bn2')).toEqual(a.groupsOf('b1_proj_bn'));
    expect(a.groupsOf('b2_bn2')).toEqual(a.groupsOf('b1_out'));
    // Block-internal channels stay independent of the residual stream.
    expect(new Set([...a.groupsOf('b2_c1'), ...a.groupsOf('b2_out')]).size).toBe(16);
  });

  it('a channel-padding shortcut (Permute -> ZeroPadding2D -> Permute) maps groups to the padded offset', async () => {
    const a = analyzeChannels((await fixtureGraph(resnetPadShortcut)).graph);
    const stage1 = a.groupsOf('b1_out');
    const stage2 = a.groupsOf('b2_bn2');
    expect(stage2.slice(2, 6)).toEqual(stage1);
    // The padded channels get groups of their own (zeros), tied to the conv branch only.
    expect(a.groupsOf('b2_to_hwc')).toEqual(stage2);
    for (const g of [0, 1, 6, 7].map((i) => stage2[i]!)) expect(stage1).not.toContain(g);
    expect(a.channelPads.get('b2_chanpad')).toEqual({ node: 'b2_chanpad', axis: 0, before: 2, after: 2 });
    // Spatial padding before the stride-2 conv carries the groups unchanged.
    expect(a.groupsOf('b2_c1_pad')).toEqual(stage1);
  });

  it('Concatenate lines its inputs up as ranges', async () => {
    const a = analyzeChannels((await fixtureGraph(concatNet)).graph);
    expect(a.groupsOf('cat')).toEqual([...a.groupsOf('branch_a'), ...a.groupsOf('branch_b_relu'), ...a.groupsOf('stem_relu')]);
  });

  it('DepthwiseConv2D ties input channel c to outputs c*m .. c*m+m-1', async () => {
    const a = analyzeChannels((await fixtureGraph(depthwiseNet)).graph);
    const input = a.groupsOf('stem_relu');
    expect(a.groupsOf('dw1')).toEqual(input.flatMap((g) => [g, g]));
    expect(a.groupsOf('dw2')).toEqual(a.groupsOf('pw1_relu'));
  });

  it('Flatten maps one channel to all its positions, channel fastest', async () => {
    const a = analyzeChannels((await fixtureGraph(flattenDense)).graph);
    const c2 = a.groupsOf('c2');
    const flat = a.groupsOf('flat');
    expect(flat).toHaveLength(2 * 2 * 5);
    flat.forEach((g, i) => expect(g).toBe(c2[i % 5]));
  });

  it('pins the model input and output, and the inputs of ops it cannot see through', async () => {
    const graph = await loadGraph(await saveToTemp(tinyFunctional({ size: 8, channels: 3, classes: 4 })));
    const a = analyzeChannels(graph);
    for (const g of a.groupsOf('img')) expect(a.pinReason(g)).toContain('model input');
    for (const g of a.groupsOf('logits')) expect(a.pinReason(g)).toContain('model output');
    for (const g of a.groupsOf('gap')) expect(a.pinReason(g)).toContain('reshape');
    // Everything that reaches the reshape through per-channel ops is pinned with it.
    for (const g of a.groupsOf('c3')) expect(a.isPinned(g)).toBe(true);
  });

  it('marks masked-out filters as input-independent and nothing else', async () => {
    const { graph } = await fixtureGraph(resnetProjection);
    const conv = graph.byName.get('b1_c1')!;
    const k = conv.weights.kernel!;
    const nOut = k.shape[3]!;
    for (let i = 0; i < k.data.length; i++) if (i % nOut === 5) k.data[i] = 0;
    const a = analyzeChannels(graph);
    const indep = Array.from(a.tensors.get('b1_r1')!.indep);
    expect(indep).toEqual(indep.map((_, i) => (i === 5 ? 1 : 0)));
  });
});
