/**
 * Cache of task listings in Redis, keyed by a per-user generation.
 *
 * A write bumps the user's generation (INCR) after it commits, so every older
 * listing becomes unreachable at once; a reader that raced the write stores its
 * result under the old generation, where nobody looks. When Redis is down the
 * cache reports a miss, the API reads PostgreSQL, and the failure shows in
 * logs and metrics. Generation bumps that failed are retried on reconnect.
 */
import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from './metrics';

const READ_SCRIPT = `
local gen = redis.call('GET', KEYS[1]) or '0'
return {gen, redis.call('GET', ARGV[1] .. gen)}
`;

export interface TaskListCache {
  /** Returns the cached body, or a miss with the generation to store under. */
  get(userId: string, query: unknown): Promise<{ hit: string } | { miss: string | null }>;
  set(userId: string, query: unknown, generation: string | null, body: string): Promise<void>;
  invalidate(userId: string): Promise<void>;
  close(): Promise<void>;
}

export interface RedisCacheOptions {
  host: string;
  port: number;
  ttlSeconds: number;
  logger: Logger;
  metrics: Metrics;
}

export function createRedisCache(options: RedisCacheOptions): TaskListCache {
  const { logger, metrics, ttlSeconds } = options;
  const redis = new Redis({
    host: options.host,
    port: options.port,
    // Fail fast instead of queueing: a slow answer from PostgreSQL beats a hung request.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 250,
    connectTimeout: 1_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: false,
  });
  const pendingInvalidations = new Set<string>();
  let up = false;
  metrics.cacheUp.set(0);

  redis.on('ready', () => {
    if (!up) logger.info({ host: options.host, port: options.port }, 'redis cache available');
    up = true;
    metrics.cacheUp.set(1);
    void flushPending();
  });
  redis.on('error', (err) => {
    if (up) logger.warn({ err: err.message }, 'redis cache unavailable; serving task listings from PostgreSQL');
  });
  redis.on('close', () => {
    if (up) logger.warn('redis cache connection closed; serving task listings from PostgreSQL');
    up = false;
    metrics.cacheUp.set(0);
  });

  const userKey = (userId: string) => `tasknote:tasks:${userId}`;
  const listKey = (userId: string, query: unknown) =>
    `${userKey(userId)}:list:${createHash('sha1').update(JSON.stringify(query)).digest('hex')}:`;

  function failed(operation: string, err: unknown): void {
    metrics.cacheErrors.inc({ operation });
    logger.warn({ err: (err as Error).message, operation }, 'redis cache operation failed');
  }

  async function flushPending(): Promise<void> {
    for (const userId of [...pendingInvalidations]) {
      try {
        await redis.incr(userKey(userId));
        pendingInvalidations.delete(userId);
      } catch (err) {
        failed('invalidate', err);
        return;
      }
    }
  }

  return {
    async get(userId, query) {
      if (!up) {
        metrics.cacheRequests.inc({ result: 'error' });
        return { miss: null };
      }
      try {
        const [generation, body] = (await redis.eval(READ_SCRIPT, 1, userKey(userId), listKey(userId, query))) as [
          string,
          string | null,
        ];
        if (body !== null && !pendingInvalidations.has(userId)) {
          metrics.cacheRequests.inc({ result: 'hit' });
          return { hit: body };
        }
        metrics.cacheRequests.inc({ result: 'miss' });
        return { miss: pendingInvalidations.has(userId) ? null : generation };
      } catch (err) {
        metrics.cacheRequests.inc({ result: 'error' });
        failed('get', err);
        return { miss: null };
      }
    },
    async set(userId, query, generation, body) {
      if (generation === null || !up) return;
      try {
        await redis.set(listKey(userId, query) + generation, body, 'EX', ttlSeconds);
      } catch (err) {
        failed('set', err);
      }
    },
    async invalidate(userId) {
      try {
        if (!up) throw new Error('redis is not connected');
        await redis.incr(userKey(userId));
      } catch (err) {
        pendingInvalidations.add(userId);
        failed('invalidate', err);
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}
