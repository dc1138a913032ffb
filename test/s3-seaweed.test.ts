import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Client, S3Error } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './helpers/test-stack.js';

// The `minio` npm client against the stack's real SeaweedFS S3 gateway.
let stack: TestStack;
let s3: Client;
const bucket = 'seamflow-test';

function client(accessKey: string, secretKey: string): Client {
  const url = new URL(stack.s3!.endpoint);
  return new Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: false,
    accessKey,
    secretKey,
    region: stack.s3!.region,
    pathStyle: true,
  });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  stack = await startTestStack({ temporal: false });
  s3 = client(stack.s3!.accessKey, stack.s3!.secretKey);
});

afterAll(async () => {
  await stack?.cleanup();
});

describe('SeaweedFS S3 from the local stack', () => {
  it('creates a bucket', async () => {
    await s3.makeBucket(bucket, stack.s3!.region);
    expect(await s3.bucketExists(bucket)).toBe(true);
    expect((await s3.listBuckets()).map((b) => b.name)).toContain(bucket);
  });

  it('puts, stats, gets, lists and removes objects', async () => {
    const body = Buffer.from(JSON.stringify({ model: 'resnet20', mask: [1, 0, 1] }));
    await s3.putObject(bucket, 'runs/a/meta.json', body, body.length, { 'Content-Type': 'application/json', 'x-amz-meta-run': 'a' });
    await s3.putObject(bucket, 'runs/b/meta.json', 'b');

    const stat = await s3.statObject(bucket, 'runs/a/meta.json');
    expect(stat.size).toBe(body.length);
    expect(stat.etag).toBe(createHash('md5').update(body).digest('hex'));
    expect(stat.metaData['content-type']).toBe('application/json');
    expect(stat.metaData.run).toBe('a');

    expect((await readAll(await s3.getObject(bucket, 'runs/a/meta.json'))).equals(body)).toBe(true);

    const names: string[] = [];
    for await (const o of s3.listObjectsV2(bucket, 'runs/', true)) if (o.name) names.push(o.name);
    expect(names.sort()).toEqual(['runs/a/meta.json', 'runs/b/meta.json']);

    await s3.removeObject(bucket, 'runs/a/meta.json');
    await expect(s3.statObject(bucket, 'runs/a/meta.json')).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('uploads a 70 MiB object through multipart and reads it back intact', async () => {
    const size = 70 * 1024 * 1024;
    const data = randomBytes(size);
    const sha = createHash('sha256').update(data).digest('hex');
    // A stream larger than the client's 64 MiB part size goes through multipart (a Buffer never does).
    const chunks = Array.from({ length: 70 }, (_, i) => data.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
    const put = await s3.putObject(bucket, 'big/blob.bin', Readable.from(chunks), size);
    expect(put.etag).toMatch(/-2$/); // S3 multipart ETag: md5-of-part-md5s "-" part count

    const stat = await s3.statObject(bucket, 'big/blob.bin');
    expect(stat.size).toBe(size);
    const hash = createHash('sha256');
    for await (const c of await s3.getObject(bucket, 'big/blob.bin')) hash.update(c as Buffer);
    expect(hash.digest('hex')).toBe(sha);
  });

  it('rejects wrong keys and never logs the secret', async () => {
    const wrong = client(stack.s3!.accessKey, 'not-the-secret-key-000000000000000');
    const err = await wrong.listBuckets().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(S3Error);
    expect((err as S3Error).code).toMatch(/SignatureDoesNotMatch|AccessDenied|InvalidAccessKeyId/);
    expect(readFileSync(stack.logFiles.s3!, 'utf8')).not.toContain(stack.s3!.secretKey);
  });
});
