// Entry point of the worker image: `node dist/main.js`.
import { hostname } from 'node:os';
import { Pool } from 'pg';
import pino from 'pino';
import { loadWorkerConfig } from './config';
import { ConfigError } from './env';
import { createProbeServer } from './http';
import { createMetrics } from './metrics';
import { JobQueue } from './queue';
import { Worker } from './worker';

async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  const logger = pino({
    level: config.logLevel,
    base: { service: 'tasknote-worker' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
  // A connection per job in flight (concurrency + 1), plus the claimer and the probes.
  const pool = new Pool({
    ...config.database,
    max: config.concurrency + 3,
    application_name: 'tasknote-worker',
    connectionTimeoutMillis: 5_000,
  });
  pool.on('error', (err) => logger.error({ err: err.message }, 'idle database connection failed'));
  const workerId = `${hostname()}:${process.pid}`;
  const queue = new JobQueue(pool, {
    workerId,
    leaseSeconds: config.leaseSeconds,
    maxAttempts: config.maxAttempts,
    backoffBaseMs: config.backoffBaseMs,
  });
  const metrics = createMetrics(() => queue.depth());
  const worker = new Worker({
    pool,
    queue,
    logger,
    metrics,
    thumbnailSizes: config.thumbnailSizes,
    leaseSeconds: config.leaseSeconds,
    pollIntervalMs: config.pollIntervalMs,
    concurrency: config.concurrency,
  });
  const probes = createProbeServer(pool, metrics, () => worker.isStopping);
  await new Promise<void>((resolve) => probes.listen(config.httpPort, resolve));
  logger.info({ workerId, httpPort: config.httpPort, sizes: config.thumbnailSizes, concurrency: config.concurrency }, 'worker started');
  worker.start();

  // As PID 1 the process gets no default signal handlers: finish the jobs in flight, then exit.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'stopping after the jobs in flight');
      worker
        .stop()
        .then(() => new Promise<void>((resolve) => probes.close(() => resolve())))
        .then(() => pool.end())
        .then(
          () => {
            logger.info('worker stopped');
            process.exit(0);
          },
          (err: unknown) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
    });
  }
}

main().catch((err: unknown) => {
  const logger = pino({ base: { service: 'tasknote-worker' } });
  if (err instanceof ConfigError) logger.fatal(err.message);
  else logger.fatal({ err }, 'worker failed');
  process.exit(1);
});
