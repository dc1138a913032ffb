import path from 'node:path';

/**
 * Where a stack keeps its files. Both the detached (`seamflow stack up`) and
 * the embedded mode use `<dataDir>/stack/`, so each sees the other's state
 * file and two servers never share one database.
 */
export function stackDir(dataDir: string): string {
  return path.join(dataDir, 'stack');
}

export function stackLayout(dir: string) {
  return {
    dir,
    temporalDir: path.join(dir, 'temporal'),
    temporalDb: path.join(dir, 'temporal', 'temporal.db'),
    temporalLog: path.join(dir, 'temporal', 'server.log'),
    s3Dir: path.join(dir, 's3'),
    s3Data: path.join(dir, 's3', 'data'),
    s3Log: path.join(dir, 's3', 'server.log'),
    s3Identity: path.join(dir, 's3', 'identity.json'),
  };
}
