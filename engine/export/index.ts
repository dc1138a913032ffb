/**
 * Export of re-engineered models: channel dependency analysis, removal that
 * stays exact, the masked and compact standard TF.js folders, and their
 * measured size and speed.
 */
export { analyzeChannels, type ChannelAnalysis, type Mixer, type TensorChannels } from './channels.js';
export { planRemoval, type RemovalPlan, type ValueMapSource } from './plan.js';
export { compactGraph, importExported, valueMapsByForward, type CompactOptions, type CompactResult, type RemovalSummary } from './compact.js';
export { buildExports, buildMasked, exportsOfMasked, type BuildInput, type BuiltExports, type BuiltModel } from './build.js';
export { exportModels, type ExportModelsInput, type ExportReport, type ModelReport, type Ratios } from './export-models.js';
export { exportRun, type ExportRunOptions } from './run-folder.js';
export { measureSideBySide, type SideBySideOptions, type TimedModel } from './side-by-side.js';
export { modelStats, type ModelStats } from './stats.js';
export { validateHead, validateMaskSet } from './validate.js';
export { writeModelFolderAtomic, modelFiles, type ModelFiles } from './write-folder.js';
export { ExportVerificationError, MaskValidationError, RunFolderError } from './errors.js';
