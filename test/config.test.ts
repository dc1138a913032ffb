import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../infra/config.js';

describe('loadConfig', () => {
  it('defaults to the embedded setup', () => {
    const c = loadConfig({}, {}, '/proj');
    expect(c.dataDir).toBe('/proj/.seamflow');
    expect(c.temporal).toEqual({ address: undefined, namespace: 'default' });
    expect(c.s3).toBeUndefined();
  });

  it('reads a cluster configuration', () => {
    const c = loadConfig(
      {
        TEMPORAL_ADDRESS: 'temporal.internal:7233',
        TEMPORAL_NAMESPACE: 'seam',
        SEAMFLOW_TEMPORAL_UI_URL: 'https://temporal-ui.internal/',
        SEAMFLOW_S3_ENDPOINT: 'https://minio.internal:9000',
        SEAMFLOW_S3_BUCKET: 'models',
        AWS_ACCESS_KEY_ID: 'AK',
        AWS_SECRET_ACCESS_KEY: 'SK',
        SEAMFLOW_BACKEND: 'wasm',
      },
      {},
      '/proj',
    );
    expect(c.temporal).toEqual({ address: 'temporal.internal:7233', namespace: 'seam', uiUrl: 'https://temporal-ui.internal' });
    expect(c.s3).toMatchObject({ endpoint: 'https://minio.internal:9000', bucket: 'models', accessKey: 'AK' });
    expect(c.backend).toBe('wasm');
  });

  it('names the variable that is malformed', () => {
    expect(() => loadConfig({ SEAMFLOW_BACKEND: 'gpu' })).toThrow(/SEAMFLOW_BACKEND="gpu"/);
    expect(() => loadConfig({ TEMPORAL_ADDRESS: 'localhost' })).toThrow(/TEMPORAL_ADDRESS="localhost": expected host:port/);
    expect(() => loadConfig({ SEAMFLOW_S3_ENDPOINT: 'not a url' })).toThrow(/SEAMFLOW_S3_ENDPOINT/);
    expect(() => loadConfig({ SEAMFLOW_S3_BUCKET: 'Bad_Bucket' })).toThrow(/SEAMFLOW_S3_BUCKET/);
    expect(() => loadConfig({ SEAMFLOW_TEMPORAL_UI_URL: 'ftp://ui.internal' })).toThrow(/SEAMFLOW_TEMPORAL_UI_URL="ftp:\/\/ui.internal": expected an http\(s\) URL/);
  });

  it('refuses unknown SEAMFLOW_ variables (typos) by name', () => {
    expect(() => loadConfig({ SEAMFLOW_BACKENDS: 'wasm' })).toThrow(ConfigError);
    expect(() => loadConfig({ SEAMFLOW_BACKENDS: 'wasm' })).toThrow(/unknown configuration variable SEAMFLOW_BACKENDS/);
  });

  it('wants both S3 credentials or neither', () => {
    expect(() => loadConfig({ AWS_ACCESS_KEY_ID: 'AK' })).toThrow(/must be set together/);
  });

  it('lets flags override the environment', () => {
    expect(loadConfig({ SEAMFLOW_BACKEND: 'wasm' }, { SEAMFLOW_BACKEND: 'cpu' }).backend).toBe('cpu');
  });
});
