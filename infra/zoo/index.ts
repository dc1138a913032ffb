// Zoo files: parsing and validation (parse-zoo, Node only) and the pure plan the workflow expands (zoo-plan).
export { JsonSyntaxError, formatPath, parseJsonWithPositions, positionOf, type LocatedJson, type SourcePos } from './json-locate.js';
export { ZooFileError, formatIssue, parseZoo, type ParseZooOptions, type ZooIssue } from './parse-zoo.js';
export { ZooFileReadError, readZooFile } from './zoo-file.js';
export { childRunId, keySafeId, planZoo, resolveSettings, type ZooJob } from './zoo-plan.js';
export { ZOO_DEFAULTS, ZOO_NAME, type ZooCarriedRow, type ZooCarry, type ZooChildResult, type ZooModel, type ZooProgress, type ZooResult, type ZooSpec, type ZooTarget } from './zoo-spec.js';
export { ZOO_OVERRIDE_RANGES, ZooOverrideError, overrideZoo, type ZooOverrides } from './zoo-overrides.js';
export { ScheduleInputError, backfillRange, parseIsoDate, validateCron, validateScheduleName } from './schedule-input.js';
