import { describe, expect, it } from 'vitest';
import { activityAttempts, registry, stageDuration } from '../infra/metrics/registry.js';
import { startMetricsServer } from '../infra/metrics/server.js';

describe('metrics endpoint', () => {
  it('serves the registry in the Prometheus text format on loopback', async () => {
    stageDuration.observe({ stage: 'searchMasks', model: 'm', outcome: 'ok' }, 12);
    activityAttempts.inc({ activity: 'searchMasks', result: 'retryable' });
    const server = await startMetricsServer({ registry });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toContain('seamflow_stage_duration_seconds_bucket{le="15",stage="searchMasks",model="m",outcome="ok"} 1');
      expect(body).toContain('seamflow_activity_attempts_total{activity="searchMasks",result="retryable"} 1');
      expect(body).toContain('seamflow_process_resident_memory_bytes');
      expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
