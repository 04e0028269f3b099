// Configuration of each command (serve, migrate, summary), from the env vars in contract.ts.
import { z } from 'zod';
import type { ApiContract } from './contract';
import { integer, logLevel, parseEnv, port, requiredString, type ContractMatch } from './env';

const database = {
  DATABASE_HOST: requiredString,
  DATABASE_PORT: port(5432),
  DATABASE_NAME: requiredString,
  DATABASE_USER: requiredString,
  DATABASE_PASSWORD: requiredString,
};

const TEN_MIB = 10 * 1024 * 1024;

const serveSchema = z.object({
  LOG_LEVEL: logLevel,
  PORT: port(8080),
  ...database,
  REDIS_HOST: requiredString,
  REDIS_PORT: port(6379),
  CACHE_TTL_SECONDS: integer(1, 86_400, 60),
  MAX_UPLOAD_BYTES: integer(1, TEN_MIB, TEN_MIB),
  SHUTDOWN_DRAIN_SECONDS: integer(0, 300, 5),
  ADMIN_TOKEN: z.string({ error: 'is required' }).min(32, { error: 'must be at least 32 characters' }),
});

const migrateSchema = z.object({ LOG_LEVEL: logLevel, ...database });

const summarySchema = z
  .object({
    LOG_LEVEL: logLevel,
    ...database,
    SMTP_HOST: requiredString,
    SMTP_PORT: port(587),
    SMTP_FROM: z.email({ error: 'must be an email address' }),
    SMTP_USER: z.string().min(1, { error: 'must not be empty' }).optional(),
    SMTP_PASSWORD: z.string().min(1, { error: 'must not be empty' }).optional(),
    SUMMARY_TIME_ZONE: z.string().default('UTC').refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Paris' }),
  })
  .check((ctx) => {
    if ((ctx.value.SMTP_USER === undefined) !== (ctx.value.SMTP_PASSWORD === undefined)) {
      ctx.issues.push({
        code: 'custom',
        path: [ctx.value.SMTP_USER === undefined ? 'SMTP_USER' : 'SMTP_PASSWORD'],
        message: 'SMTP_USER and SMTP_PASSWORD must be set together',
        input: ctx.value,
      });
    }
  });

// The contract and the parsers agree both ways, at compile time: a variable the contract declares
// (plain or secret) that no command reads, or one a command reads that the contract does not
// declare, makes this line fail to type-check, naming the variable.
type ReadVariables = keyof typeof serveSchema.shape | keyof typeof migrateSchema.shape | keyof typeof summarySchema.shape;
type DeclaredVariables = keyof ApiContract['env'] | keyof ApiContract['secretEnv'];
export const contractIsRead: ContractMatch<DeclaredVariables, ReadVariables> = true;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export interface DatabaseConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

function databaseConfig(env: z.output<typeof migrateSchema>): DatabaseConfig {
  return {
    host: env.DATABASE_HOST,
    port: env.DATABASE_PORT,
    database: env.DATABASE_NAME,
    user: env.DATABASE_USER,
    password: env.DATABASE_PASSWORD,
  };
}

export interface ServeConfig {
  logLevel: string;
  port: number;
  database: DatabaseConfig;
  redis: { host: string; port: number };
  cacheTtlSeconds: number;
  maxUploadBytes: number;
  shutdownDrainSeconds: number;
  adminToken: string;
}

export function loadServeConfig(env: NodeJS.ProcessEnv): ServeConfig {
  const e = parseEnv(serveSchema, env);
  return {
    logLevel: e.LOG_LEVEL,
    port: e.PORT,
    database: databaseConfig(e),
    redis: { host: e.REDIS_HOST, port: e.REDIS_PORT },
    cacheTtlSeconds: e.CACHE_TTL_SECONDS,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    shutdownDrainSeconds: e.SHUTDOWN_DRAIN_SECONDS,
    adminToken: e.ADMIN_TOKEN,
  };
}

export interface MigrateConfig {
  logLevel: string;
  database: DatabaseConfig;
}

export function loadMigrateConfig(env: NodeJS.ProcessEnv): MigrateConfig {
  const e = parseEnv(migrateSchema, env);
  return { logLevel: e.LOG_LEVEL, database: databaseConfig(e) };
}

export interface SummaryConfig {
  logLevel: string;
  database: DatabaseConfig;
  smtp: { host: string; port: number; from: string; auth?: { user: string; pass: string } };
  timeZone: string;
}

export function loadSummaryConfig(env: NodeJS.ProcessEnv): SummaryConfig {
  const e = parseEnv(summarySchema, env);
  const auth = e.SMTP_USER !== undefined && e.SMTP_PASSWORD !== undefined ? { user: e.SMTP_USER, pass: e.SMTP_PASSWORD } : undefined;
  return {
    logLevel: e.LOG_LEVEL,
    database: databaseConfig(e),
    smtp: { host: e.SMTP_HOST, port: e.SMTP_PORT, from: e.SMTP_FROM, ...(auth ? { auth } : {}) },
    timeZone: e.SUMMARY_TIME_ZONE,
  };
}
