import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app instance, so that tests can run several apps in one process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'tasknote_http_request_duration_seconds',
      help: 'HTTP request duration by route and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    cacheRequests: new Counter({
      name: 'tasknote_cache_requests_total',
      help: 'Task listing cache lookups by result (hit, miss, error)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    cacheErrors: new Counter({
      name: 'tasknote_cache_errors_total',
      help: 'Redis operations that failed; the API answered from PostgreSQL instead',
      labelNames: ['operation'] as const,
      registers: [registry],
    }),
    cacheUp: new Gauge({
      name: 'tasknote_cache_up',
      help: '1 when the Redis cache is reachable, 0 when the API bypasses it',
      registers: [registry],
    }),
    serverErrors: new Counter({
      name: 'tasknote_server_errors_total',
      help: 'Requests that failed through no fault of the client, or that validation should have refused, by cause',
      labelNames: ['cause'] as const,
      registers: [registry],
    }),
    revocationBroadcasts: new Counter({
      name: 'tasknote_revocation_broadcasts_total',
      help: 'Token revocations sent (sent) or received (received) over Redis pub/sub, or not sent (failed)',
      labelNames: ['direction'] as const,
      registers: [registry],
    }),
    jobsEnqueued: new Counter({
      name: 'tasknote_jobs_enqueued_total',
      help: 'Resize jobs enqueued by uploads',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
