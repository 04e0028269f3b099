import { z } from 'zod';
import type { WorkerContract } from './contract';
import { integer, logLevel, parseEnv, port, requiredString, type ContractMatch } from './env';

const thumbnailSizes = z
  .string()
  .default('64,256')
  .transform((raw, ctx) => {
    const parts = raw.split(',').map((p) => p.trim());
    const sizes = parts.map(Number);
    if (parts.some((p) => !/^\d+$/.test(p)) || sizes.some((n) => n < 1 || n > 4096)) {
      ctx.issues.push({ code: 'custom', message: 'must be comma-separated widths between 1 and 4096, e.g. 64,256', input: raw });
      return z.NEVER;
    }
    return [...new Set(sizes)].sort((a, b) => a - b);
  });

const schema = z.object({
  LOG_LEVEL: logLevel,
  HTTP_PORT: port(9090),
  DATABASE_HOST: requiredString,
  DATABASE_PORT: port(5432),
  DATABASE_NAME: requiredString,
  DATABASE_USER: requiredString,
  DATABASE_PASSWORD: requiredString,
  THUMBNAIL_SIZES: thumbnailSizes,
  JOB_LEASE_SECONDS: integer(1, 3600, 60),
  JOB_MAX_ATTEMPTS: integer(1, 100, 5),
  JOB_BACKOFF_BASE_MS: integer(1, 3_600_000, 2_000),
  POLL_INTERVAL_MS: integer(10, 60_000, 1_000),
  JOB_CONCURRENCY: integer(1, 32, 2),
});

// The contract and the parser agree both ways, at compile time (see services/api/src/config.ts).
export const contractIsRead: ContractMatch<keyof WorkerContract['env'] | keyof WorkerContract['secretEnv'], keyof typeof schema.shape> =
  true;

export interface WorkerConfig {
  logLevel: string;
  httpPort: number;
  database: { host: string; port: number; database: string; user: string; password: string };
  thumbnailSizes: number[];
  leaseSeconds: number;
  maxAttempts: number;
  backoffBaseMs: number;
  pollIntervalMs: number;
  concurrency: number;
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const e = parseEnv(schema, env);
  return {
    logLevel: e.LOG_LEVEL,
    httpPort: e.HTTP_PORT,
    database: {
      host: e.DATABASE_HOST,
      port: e.DATABASE_PORT,
      database: e.DATABASE_NAME,
      user: e.DATABASE_USER,
      password: e.DATABASE_PASSWORD,
    },
    thumbnailSizes: e.THUMBNAIL_SIZES,
    leaseSeconds: e.JOB_LEASE_SECONDS,
    maxAttempts: e.JOB_MAX_ATTEMPTS,
    backoffBaseMs: e.JOB_BACKOFF_BASE_MS,
    pollIntervalMs: e.POLL_INTERVAL_MS,
    concurrency: e.JOB_CONCURRENCY,
  };
}
