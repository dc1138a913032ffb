/**
 * On-disk form of a mask set: `masks.json` (an index: granularity, per mask
 * its layer, role, shape, byte offset and kept count) plus `masks.bin` (every
 * mask bit-packed, LSB first, each starting on a byte boundary). ResNet-20's
 * 270k weights take 34 KB.
 */
import { numel } from '../graph/types.js';
import type { Granularity, MaskSet, MaskSpec } from './masks.js';
import { keptParamCount, maskedParamCount } from './masks.js';

export interface MaskIndex {
  format: 'seamflow-masks';
  version: 1;
  granularity: Granularity;
  bitOrder: 'lsb-first';
  maskedParams: number;
  keptParams: number;
  wrr: number;
  entries: (MaskSpec & { offset: number; bytes: number; ones: number })[];
}

export function packMaskSet(set: MaskSet): { index: MaskIndex; bin: Uint8Array } {
  const entries: MaskIndex['entries'] = [];
  let offset = 0;
  for (const [i, spec] of set.specs.entries()) {
    const bytes = Math.ceil(set.masks[i]!.length / 8);
    entries.push({ ...spec, offset, bytes, ones: set.masks[i]!.reduce((a, b) => a + b, 0) });
    offset += bytes;
  }
  const bin = new Uint8Array(offset);
  set.masks.forEach((m, i) => {
    const base = entries[i]!.offset;
    for (let j = 0; j < m.length; j++) if (m[j]) bin[base + (j >> 3)]! |= 1 << (j & 7);
  });
  const masked = maskedParamCount(set.specs);
  const kept = keptParamCount(set);
  return {
    index: {
      format: 'seamflow-masks',
      version: 1,
      granularity: set.granularity,
      bitOrder: 'lsb-first',
      maskedParams: masked,
      keptParams: kept,
      wrr: kept / masked,
      entries,
    },
    bin,
  };
}

export function unpackMaskSet(index: MaskIndex, bin: Uint8Array): MaskSet {
  if (index.format !== 'seamflow-masks' || index.version !== 1) throw new Error('not a seamflow masks.json (or an unsupported version)');
  const specs: MaskSpec[] = [];
  const masks: Uint8Array[] = [];
  for (const e of index.entries) {
    const n = numel(e.shape);
    if (e.offset + Math.ceil(n / 8) > bin.length) throw new Error(`masks.bin is truncated at ${e.node}/${e.role}`);
    const m = new Uint8Array(n);
    for (let j = 0; j < n; j++) m[j] = (bin[e.offset + (j >> 3)]! >> (j & 7)) & 1;
    const { offset: _o, bytes: _b, ones: _n, ...spec } = e;
    specs.push(spec);
    masks.push(m);
  }
  return { granularity: index.granularity, specs, masks };
}
