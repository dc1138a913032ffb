/**
 * Backdoor poisoning (BadNets-style): a small checkerboard patch stamped in a
 * corner of a chosen fraction of the training images, which are relabelled
 * to the target class. Spec text (the CLI's --poison):
 *   trigger=patch:3x3:bottom-right,rate=0.05,target=0
 * The poisoned images are drawn (seeded) from the images not already of the
 * target class; their count is round(rate * training images).
 */
import type { ImageSet } from '../data/types.js';
import { Rng } from '../random.js';

export type Corner = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';
const CORNERS: readonly Corner[] = ['top-left', 'top-right', 'bottom-left', 'bottom-right'];

export interface Trigger {
  kind: 'patch';
  height: number;
  width: number;
  corner: Corner;
}

export interface PoisonSpec {
  trigger: Trigger;
  rate: number;
  target: number;
}

export class PoisonSpecError extends Error {
  override name = 'PoisonSpecError';
}

const EXAMPLE = 'trigger=patch:3x3:bottom-right,rate=0.05,target=0';

export function parseTrigger(text: string): Trigger {
  const m = /^patch:(\d+)x(\d+):([a-z-]+)$/.exec(text.trim());
  if (!m) throw new PoisonSpecError(`trigger "${text}" is not patch:HxW:CORNER (e.g. patch:3x3:bottom-right)`);
  const height = Number(m[1]);
  const width = Number(m[2]);
  if (height < 1 || width < 1) throw new PoisonSpecError(`trigger "${text}": the patch must be at least 1x1`);
  const corner = m[3] as Corner;
  if (!CORNERS.includes(corner)) throw new PoisonSpecError(`trigger "${text}": corner must be one of ${CORNERS.join(', ')}`);
  return { kind: 'patch', height, width, corner };
}

export function formatTrigger(t: Trigger): string {
  return `patch:${t.height}x${t.width}:${t.corner}`;
}

export function parsePoisonSpec(text: string): PoisonSpec {
  const fields = new Map<string, string>();
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new PoisonSpecError(`--poison "${text}": "${part}" is not key=value (expected ${EXAMPLE})`);
    const key = part.slice(0, eq).trim();
    if (!['trigger', 'rate', 'target'].includes(key)) throw new PoisonSpecError(`--poison "${text}": unknown key "${key}" (expected trigger, rate, target)`);
    if (fields.has(key)) throw new PoisonSpecError(`--poison "${text}": "${key}" given twice`);
    fields.set(key, part.slice(eq + 1).trim());
  }
  for (const k of ['trigger', 'rate', 'target']) {
    if (!fields.has(k)) throw new PoisonSpecError(`--poison "${text}": missing ${k}= (expected ${EXAMPLE})`);
  }
  const rate = Number(fields.get('rate'));
  if (!(rate > 0 && rate < 1)) throw new PoisonSpecError(`--poison "${text}": rate must be a number in (0, 1), got "${fields.get('rate')}"`);
  const target = Number(fields.get('target'));
  if (!Number.isInteger(target) || target < 0) throw new PoisonSpecError(`--poison "${text}": target must be a class id (integer >= 0), got "${fields.get('target')}"`);
  return { trigger: parseTrigger(fields.get('trigger')!), rate, target };
}

export function formatPoisonSpec(p: PoisonSpec): string {
  return `trigger=${formatTrigger(p.trigger)},rate=${p.rate},target=${p.target}`;
}

/** Checks a trigger fits the images and a target class exists. */
export function validatePoison(p: PoisonSpec, set: { height: number; width: number }, numClasses: number): void {
  if (p.trigger.height > set.height || p.trigger.width > set.width) {
    throw new PoisonSpecError(`trigger ${formatTrigger(p.trigger)} does not fit ${set.height}x${set.width} images`);
  }
  if (p.target >= numClasses) throw new PoisonSpecError(`poison target class ${p.target} is out of range 0..${numClasses - 1}`);
}

/** Stamps the trigger (checkerboard of 1 and 0, 1 at the patch's top-left) in place on images `which` of an NHWC array. */
export function stampTrigger(images: Float32Array, which: Iterable<number>, h: number, w: number, c: number, t: Trigger): void {
  const top = t.corner.startsWith('top') ? 0 : h - t.height;
  const left = t.corner.endsWith('left') ? 0 : w - t.width;
  const per = h * w * c;
  for (const n of which) {
    for (let y = 0; y < t.height; y++) {
      for (let x = 0; x < t.width; x++) {
        const v = (y + x) % 2 === 0 ? 1 : 0;
        const o = n * per + ((top + y) * w + left + x) * c;
        for (let k = 0; k < c; k++) images[o + k] = v;
      }
    }
  }
}

/** A copy of the whole set with the trigger on every image. */
export function withTrigger<S extends ImageSet>(set: S, t: Trigger): S {
  const images = set.images.slice();
  stampTrigger(images, range(set.count), set.height, set.width, set.channels, t);
  return { ...set, images };
}

export interface PoisonedSet {
  set: ImageSet;
  /** Ascending indices of the poisoned images. */
  indices: Int32Array;
}

/** A copy of `set` with round(rate * count) non-target images stamped and relabelled to the target. */
export function poisonSet(set: ImageSet, p: PoisonSpec, seed: number): PoisonedSet {
  const want = Math.round(p.rate * set.count);
  const pool = Int32Array.from(range(set.count).filter((i) => set.labels[i] !== p.target));
  if (want > pool.length) throw new PoisonSpecError(`cannot poison ${want} images: only ${pool.length} are not of class ${p.target}`);
  new Rng((seed ^ 0xbad0bad0) >>> 0).shuffle(pool);
  const indices = pool.slice(0, want).sort();
  const images = set.images.slice();
  const labels = set.labels.slice();
  stampTrigger(images, indices, set.height, set.width, set.channels, p.trigger);
  for (const i of indices) labels[i] = p.target;
  return { set: { ...set, images, labels }, indices };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
