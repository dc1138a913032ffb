import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';

/**
 * The local S3 server's one identity. Generated once per stack and kept in a
 * 0600 file in SeaweedFS's own `-s3.config` format, so the same file both
 * configures the server and tells our clients the keys; the secret never goes
 * on a command line, in an environment, a log or the state file.
 */
export interface S3Credentials {
  accessKey: string;
  secretKey: string;
}

interface IdentityFile {
  identities: { name: string; credentials: { accessKey: string; secretKey: string }[]; actions: string[] }[];
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function accessKeyId(): string {
  // AWS-shaped: 20 upper-case characters.
  return 'SF' + Array.from(randomBytes(18), (b) => ALPHABET[b % 32]).join('');
}

export function readCredentials(file: string): S3Credentials {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as IdentityFile;
  const cred = parsed.identities?.[0]?.credentials?.[0];
  if (!cred?.accessKey || !cred.secretKey) throw new Error(`no S3 credentials in ${file}`);
  return { accessKey: cred.accessKey, secretKey: cred.secretKey };
}

/** Reads the stack's credentials, creating them on first use. */
export function ensureCredentials(file: string): S3Credentials {
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return readCredentials(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const creds: S3Credentials = { accessKey: accessKeyId(), secretKey: randomBytes(30).toString('base64url') };
  const body: IdentityFile = {
    identities: [
      {
        name: 'seamflow',
        credentials: [creds],
        actions: ['Admin', 'Read', 'List', 'Tagging', 'Write'],
      },
    ],
  };
  // 'wx': never overwrite keys another process has just created.
  try {
    writeFileSync(file, JSON.stringify(body, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readCredentials(file);
    throw err;
  }
  return creds;
}
