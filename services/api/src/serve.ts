// The `serve` command: wires config, PostgreSQL, Redis and the app, and shuts down in order.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { buildApp, type Lifecycle } from './app';
import { TokenResolver } from './auth';
import { createRedisCache, type TaskListCache } from './cache';
import type { ServeConfig } from './config';
import { createPool } from './db';
import { createMetrics } from './metrics';
import { createRedisRevocations } from './revocations';

export interface RunningServer {
  app: FastifyInstance;
  lifecycle: Lifecycle;
  /** Resolves once the server stopped and every connection is closed. */
  shutdown(reason: string): Promise<void>;
}

export async function startServer(config: ServeConfig, logger: Logger, host = '0.0.0.0'): Promise<RunningServer> {
  const metrics = createMetrics();
  const pool: Pool = createPool(config.database, 'tasknote-api');
  pool.on('error', (err) => logger.error({ err: err.message }, 'idle database connection failed'));
  const cache: TaskListCache = createRedisCache({
    ...config.redis,
    ttlSeconds: config.cacheTtlSeconds,
    logger,
    metrics,
  });
  const tokens = new TokenResolver(pool);
  const revocations = createRedisRevocations({ ...config.redis, logger, metrics, onRevoked: () => tokens.forgetAll() });
  const lifecycle: Lifecycle = { shuttingDown: false };
  const app = await buildApp(
    { pool, cache, logger, metrics, adminToken: config.adminToken, maxUploadBytes: config.maxUploadBytes, tokens, revocations },
    lifecycle,
  );
  await app.listen({ port: config.port, host });

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      lifecycle.shuttingDown = true;
      logger.info({ reason, drainSeconds: config.shutdownDrainSeconds }, 'shutdown started; readiness now fails');
      // Give the endpoints controller time to take this pod out of the Service before we stop accepting.
      await sleep(config.shutdownDrainSeconds * 1000);
      await app.close();
      await cache.close();
      await revocations.close();
      await pool.end();
      logger.info('shutdown complete');
    })();
    return stopping;
  };
  return { app, lifecycle, shutdown };
}
