import { DataSpecError } from './errors.js';
import { FASHION_MNIST_SYSTEM_DIR } from './mnist.js';
import { formatSyntheticParams, parseSyntheticParams, type SyntheticParams } from './synthetic.js';

/**
 * A dataset named by one string, so it can travel in CLI flags, workflow
 * inputs and cache keys:
 *   cifar10:DIR          DIR or DIR/cifar-10-batches-bin holds the .bin batches
 *   mnist:DIR            DIR holds the four IDX files (plain or .gz)
 *   fashion-mnist[:DIR]  default DIR /usr/share/datasets/fashion-mnist (Debian package)
 *   synthetic[:k=v,...]  generated, see SyntheticParams
 */
export type DatasetSpec =
  | { kind: 'cifar10'; dir: string }
  | { kind: 'mnist'; dir: string }
  | { kind: 'fashion-mnist'; dir: string }
  | { kind: 'synthetic'; params: SyntheticParams };

export type DatasetKind = DatasetSpec['kind'];
export const DATASET_KINDS: readonly DatasetKind[] = ['cifar10', 'mnist', 'fashion-mnist', 'synthetic'];

export function parseDatasetSpec(spec: string): DatasetSpec {
  const text = spec.trim();
  if (text === '') throw new DataSpecError('empty dataset spec; expected e.g. cifar10:DIR, mnist:DIR, fashion-mnist, synthetic');
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1).trim();
  switch (kind) {
    case 'cifar10':
    case 'mnist':
      if (rest === '') {
        throw new DataSpecError(
          `spec "${spec}": ${kind} needs a directory, e.g. ${kind}:.seamflow/datasets/${kind} (filled by \`seamflow data fetch ${kind}\`)`,
        );
      }
      return { kind, dir: rest };
    case 'fashion-mnist':
      return { kind, dir: rest === '' ? FASHION_MNIST_SYSTEM_DIR : rest };
    case 'synthetic':
      return { kind, params: parseSyntheticParams(rest, spec) };
    default:
      throw new DataSpecError(`spec "${spec}": unknown dataset "${kind}"; known: ${DATASET_KINDS.join(', ')}`);
  }
}

/** Canonical string of a spec: parse(format(s)) equals s, and equal specs format equally. */
export function formatDatasetSpec(s: DatasetSpec): string {
  return s.kind === 'synthetic' ? `synthetic:${formatSyntheticParams(s.params)}` : `${s.kind}:${s.dir}`;
}
