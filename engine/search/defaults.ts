/**
 * Published per-setting defaults (METHOD.md): (lrMask, alpha) by model,
 * dataset and target mode. Other settings fall back to the ResNet-20 /
 * CIFAR-10 binary pair and say so, so a report shows where its numbers came from.
 */
import type { TargetMode } from '../data/types.js';
import type { Graph } from '../graph/types.js';

export interface MaskDefaults {
  lrMask: number;
  alpha: number;
  source: string;
}

const published: { arch: string; dataset: string; mode: TargetMode; lrMask: number; alpha: number; label: string }[] = [
  { arch: 'vgg16', dataset: 'cifar10', mode: 'binary', lrMask: 0.01, alpha: 1.0, label: 'VGG16/CIFAR-10 binary' },
  { arch: 'vgg16', dataset: 'cifar100', mode: 'binary', lrMask: 0.05, alpha: 1.5, label: 'VGG16/CIFAR-100 binary' },
  { arch: 'resnet20', dataset: 'cifar10', mode: 'binary', lrMask: 0.05, alpha: 1.0, label: 'ResNet-20/CIFAR-10 binary' },
  { arch: 'resnet20', dataset: 'cifar100', mode: 'binary', lrMask: 0.12, alpha: 1.5, label: 'ResNet-20/CIFAR-100 binary' },
  { arch: 'resnet20', dataset: 'cifar100', mode: 'multiclass', lrMask: 0.1, alpha: 2.0, label: 'ResNet-20/CIFAR-100 multi-class' },
  { arch: 'resnet50', dataset: 'imagenet', mode: 'multiclass', lrMask: 0.05, alpha: 2.0, label: 'ResNet-50/ImageNet multi-class' },
];

/** Architecture family from the model's or folder's name (e.g. "resnet20_cifar10" -> resnet20). */
export function guessArchitecture(graph: Graph, folderName = ''): string | undefined {
  const text = `${graph.name} ${folderName}`.toLowerCase().replace(/[-_ ]/g, '');
  for (const arch of ['resnet20', 'resnet50', 'vgg16']) if (text.includes(arch)) return arch;
  return undefined;
}

export function maskDefaults(arch: string | undefined, dataset: string, mode: TargetMode): MaskDefaults {
  const d = dataset.toLowerCase().replace(/[-_]/g, '');
  const hit = published.find((p) => p.arch === arch && p.dataset === d && p.mode === mode);
  if (hit) return { lrMask: hit.lrMask, alpha: hit.alpha, source: `published (${hit.label})` };
  return { lrMask: 0.05, alpha: 1.0, source: 'fallback (no published setting; ResNet-20/CIFAR-10 binary values)' };
}

/** Published training defaults. */
export const PUBLISHED_EPOCHS = 300;
export const PUBLISHED_BATCH = 64;
export const DEFAULT_LR_HEAD = 0.1;
