/**
 * Part of every content-addressed key: bump it when a change to the engine
 * would make an old cached artifact wrong, so stale results are never reused
 * (engine-2: `select: last` no longer returns masks that cut the network).
 */
export const ENGINE_CODE_VERSION = 'engine-2';
