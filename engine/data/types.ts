/**
 * In-memory image data shared by every part of the engine. Plain typed arrays
 * (not tensors) so sets can be sliced, sampled, checkpointed and sent between
 * processes without touching a TF.js backend.
 */
export interface ImageSet {
  /** NHWC float32 pixels scaled to [0, 1], length = count * height * width * channels. */
  images: Float32Array;
  /** Class id per image, in the id space of the dataset this set was taken from (or relabelled, see TargetProblem). */
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

export interface Dataset {
  /** e.g. "cifar10", "mnist", "fashion-mnist", "synthetic". */
  name: string;
  classNames: string[];
  train: ImageSet;
  test: ImageSet;
  /** MD5 per source file, for reports and cache keys (empty for generated data). */
  checksums: Record<string, string>;
}

export type TargetMode = 'binary' | 'multiclass';

/**
 * A target problem carved from a dataset (METHOD.md, "Data for a target problem").
 * Labels in train/val/test are already relabelled: binary t -> 0, rest -> 1;
 * multiclass classes[i] -> i. `originalLabels` keep the dataset's ids for
 * scoring the original model.
 */
export interface TargetProblem {
  mode: TargetMode;
  /** Target class ids in the dataset's id space: one for binary, >= 1 for multiclass. */
  classes: number[];
  numOutputs: number;
  train: ImageSet & { originalLabels: Int32Array };
  val: ImageSet & { originalLabels: Int32Array };
  test: ImageSet & { originalLabels: Int32Array };
}
