import { afterAll, beforeAll, describe } from 'vitest';
import { S3ArtifactStore, type ArtifactStore } from '../infra/artifacts/index.js';
import { localS3Client } from '../infra/stack/index.js';
import { artifactStoreContract } from './artifact-store-contract.js';
import { startTestStack, type TestStack } from './helpers/test-stack.js';

// The S3 artifact store on the stack's real SeaweedFS, same contract as the filesystem store.
let stack: TestStack;
let n = 0;
const prefixes = new WeakMap<ArtifactStore, string>();

beforeAll(async () => {
  stack = await startTestStack({ temporal: false });
});
afterAll(async () => {
  await stack?.cleanup();
});

function open(): ArtifactStore {
  const prefix = `t${n++}`;
  const store = new S3ArtifactStore({ ...stack.s3!, bucket: 'artifacts', prefix });
  prefixes.set(store, prefix);
  return store;
}

describe('S3ArtifactStore on SeaweedFS', () => {
  artifactStoreContract(open, async (store, key) => {
    // Overwrite the data object behind the store's back, leaving its lineage record.
    const s3 = stack.s3!;
    const raw = localS3Client(s3.endpoint, s3);
    const tampered = Buffer.from('tampered');
    await raw.putObject('artifacts', `${prefixes.get(store)}/${key}`, tampered, tampered.length);
  });
});
