import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics(queueDepth: () => Promise<Record<string, number>>) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    jobs: new Counter({
      name: 'tasknote_worker_jobs_total',
      help: 'Jobs handled, by outcome (done, retried, failed, lost)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'tasknote_worker_job_duration_seconds',
      help: 'Time to process one job',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'tasknote_worker_queue_jobs',
      help: 'Jobs in the queue by status, read at scrape time',
      labelNames: ['status'] as const,
      registers: [registry],
      async collect() {
        try {
          const depth = await queueDepth();
          this.reset();
          for (const status of ['queued', 'running', 'done', 'failed']) this.set({ status }, depth[status] ?? 0);
        } catch {
          // A scrape must not fail because the database is down; readiness reports that.
        }
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
