import type { Readable } from 'node:stream';
import { Client } from 'minio';
import { validateArtifactKey } from './artifact-key.js';
import {
  artifactRecord,
  ArtifactNotFoundError,
  META_SUFFIX,
  verifiedContent,
  type ArtifactInfo,
  type ArtifactStore,
  type Lineage,
} from './artifact-store.js';

export interface S3StoreOptions {
  endpoint: string;
  bucket: string;
  region?: string;
  accessKey?: string;
  secretKey?: string;
  /** Optional key prefix inside the bucket, e.g. a namespace per deployment. */
  prefix?: string;
}

/**
 * S3 artifact store through the `minio` client (production MinIO; tested on
 * SeaweedFS). An S3 object only becomes visible once its upload (multipart
 * included) completes, so writing the data object and then the lineage record
 * gives the same publish-after-write guarantee as the filesystem store.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly kind = 's3' as const;
  private readonly client: Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly region: string;
  private bucketReady: Promise<void> | undefined;

  constructor(opts: S3StoreOptions) {
    const url = new URL(opts.endpoint);
    this.client = new Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      useSSL: url.protocol === 'https:',
      accessKey: opts.accessKey ?? '',
      secretKey: opts.secretKey ?? '',
      region: opts.region ?? 'us-east-1',
      pathStyle: true,
    });
    this.bucket = opts.bucket;
    this.region = opts.region ?? 'us-east-1';
    this.prefix = opts.prefix ? `${validateArtifactKey(opts.prefix)}/` : '';
  }

  private objectName(key: string): string {
    return this.prefix + validateArtifactKey(key);
  }

  private ensureBucket(): Promise<void> {
    this.bucketReady ??= (async () => {
      if (!(await this.client.bucketExists(this.bucket))) {
        await this.client.makeBucket(this.bucket, this.region);
      }
    })().catch((err: unknown) => {
      this.bucketReady = undefined; // a transient failure must not poison later calls
      throw err;
    });
    return this.bucketReady;
  }

  async put(key: string, data: Uint8Array, opts: { lineage?: Lineage; contentType?: string } = {}): Promise<ArtifactInfo> {
    await this.ensureBucket();
    const name = this.objectName(key);
    const info = artifactRecord(key, data, opts);
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await this.client.putObject(this.bucket, name, buf, buf.length, {
      'Content-Type': info.contentType,
      'x-amz-meta-sha256': info.sha256,
    });
    const meta = Buffer.from(JSON.stringify(info));
    await this.client.putObject(this.bucket, name + META_SUFFIX, meta, meta.length, {
      'Content-Type': 'application/json',
    });
    return info;
  }

  async get(key: string): Promise<Buffer> {
    const info = await this.stat(key);
    if (!info) throw new ArtifactNotFoundError(`artifact ${key} not found in s3://${this.bucket}/${this.prefix}`);
    const data = await readAll(await this.client.getObject(this.bucket, this.objectName(key)));
    return verifiedContent(info, data);
  }

  async stat(key: string): Promise<ArtifactInfo | undefined> {
    await this.ensureBucket();
    try {
      const stream = await this.client.getObject(this.bucket, this.objectName(key) + META_SUFFIX);
      return JSON.parse((await readAll(stream)).toString('utf8')) as ArtifactInfo;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    await this.ensureBucket();
    const keys: string[] = [];
    const stream = this.client.listObjectsV2(this.bucket, this.prefix + prefix, true);
    for await (const item of stream as AsyncIterable<{ name?: string }>) {
      if (item.name?.endsWith(META_SUFFIX)) keys.push(item.name.slice(this.prefix.length, -META_SUFFIX.length));
    }
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    await this.ensureBucket();
    const name = this.objectName(key);
    await this.client.removeObject(this.bucket, name + META_SUFFIX);
    await this.client.removeObject(this.bucket, name);
  }
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchObject';
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
