// Masks that do not fit the model are refused before anything is written,
// with a message naming the layer and the problem.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildExports } from '../engine/export/build.js';
import { MaskValidationError } from '../engine/export/errors.js';
import type { Graph } from '../engine/graph/types.js';
import { fullMasks, maskSpecs, type MaskSet } from '../engine/masks/masks.js';
import { initHead } from '../engine/search/head.js';
import { Rng } from '../engine/random.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { fixtureGraph, plainCnn, resnetProjection } from './fixtures/export-models.js';

useEngineBackend();

let graph: Graph;
beforeAll(async () => {
  graph = (await fixtureGraph(plainCnn)).graph;
});
const good = () => fullMasks('filter', maskSpecs(graph, 'filter'));

function refused(masks: MaskSet, message: RegExp) {
  expect(() => buildExports({ graph, masks })).toThrow(MaskValidationError);
  expect(() => buildExports({ graph, masks })).toThrow(message);
}

describe('malformed masks', () => {
  it('NaN or values other than 0 / 1', () => {
    const m = good();
    m.masks[1] = Float32Array.from(m.masks[1]!, (v, i) => (i === 3 ? NaN : v)) as unknown as Uint8Array;
    refused(m, /mask c2\/filter has NaN at index 3/);
    const two = good();
    two.masks[0]![2] = 2;
    refused(two, /mask c1\/filter has 2 at index 2; masks hold only 0 or 1/);
  });

  it('wrong shape or length', () => {
    const m = good();
    m.specs[0] = { ...m.specs[0]!, shape: [7] };
    refused(m, /mask c1\/filter has shape \[7\], the model needs \[8\]/);
    const short = good();
    short.masks[2] = new Uint8Array(3);
    refused(short, /mask c3\/filter holds 3 values for shape \[12\] \(12 expected\)/);
  });

  it('masks made for another model or granularity', async () => {
    const other = (await fixtureGraph(resnetProjection)).graph;
    refused(fullMasks('filter', maskSpecs(other, 'filter')), /layer "stem", which the model does not have/);
    const m = good();
    m.specs[0] = { ...m.specs[0]!, role: 'kernel' };
    refused(m, /role "kernel" does not exist at filter granularity/);
    refused({ ...good(), masks: good().masks.slice(1) }, /5 specs but 4 masks/);
    refused({ ...good(), granularity: 'channel' as never }, /granularity must be "weight" or "filter"/);
    const dup = good();
    dup.specs[1] = dup.specs[0]!;
    dup.masks[1] = dup.masks[0]!;
    refused(dup, /two masks for c1\/filter/);
  });

  it('a head that does not fit the model', () => {
    const head = initHead('appended', 'binary', [2], 7, new Rng(1));
    expect(() => buildExports({ graph, masks: good(), head })).toThrow(/made for 7 logits, the model has 5/);
    const nan = initHead('appended', 'binary', [2], 5, new Rng(1));
    nan.kernel![4] = NaN;
    expect(() => buildExports({ graph, masks: good(), head: nan })).toThrow(/kernel has NaN at index 4/);
    expect(() => buildExports({ graph, masks: good(), head: initHead('sliced', 'multiclass', [1, 9], 5, new Rng(1)) })).toThrow(
      /class ids 9 out of range 0..4/,
    );
  });
});
