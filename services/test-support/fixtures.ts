// Per-test-file fixtures: a fresh migrated database, an in-process API, spawned service processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import pino from 'pino';
import sharp from 'sharp';
import { buildApp } from '../api/src/app';
import { TokenResolver } from '../api/src/auth';
import { createRedisCache } from '../api/src/cache';
import type { DatabaseConfig } from '../api/src/config';
import { createMetrics, type Metrics } from '../api/src/metrics';
import { migrate } from '../api/src/migrate';
import { createRedisRevocations } from '../api/src/revocations';

export const silentLogger = pino({ level: 'silent' });

function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined) {
    throw new Error(`${name} is not set: run the service tests through jest with services/jest.config.js`);
  }
  return value;
}

export function serverConfig(): { pgPort: number; pgUser: string; pgPassword: string; redisPort: number } {
  return {
    pgPort: Number(requireEnv('TASKNOTE_TEST_PG_PORT')),
    pgUser: requireEnv('TASKNOTE_TEST_PG_USER'),
    pgPassword: requireEnv('TASKNOTE_TEST_PG_PASSWORD'),
    redisPort: Number(requireEnv('TASKNOTE_TEST_REDIS_PORT')),
  };
}

/**
 * A pool whose idle connections may be terminated by the server (a forced DROP DATABASE, server
 * shutdown at teardown) without crashing the test process with an unhandled 'error' event.
 */
export function tolerantPool(config: DatabaseConfig, max: number): Pool {
  const pool = new Pool({ ...config, max });
  pool.on('error', () => undefined);
  return pool;
}

export interface TestDatabase {
  config: DatabaseConfig;
  pool: Pool;
  /** The DATABASE_* variables for a spawned service. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** A new, empty database; migrated unless `migrated` is false. */
export async function createTestDatabase(migrated = true): Promise<TestDatabase> {
  const { pgPort, pgUser, pgPassword } = serverConfig();
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ host: '127.0.0.1', port: pgPort, user: pgUser, password: pgPassword, database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const config: DatabaseConfig = { host: '127.0.0.1', port: pgPort, database: name, user: pgUser, password: pgPassword };
  const pool = tolerantPool(config, 10);
  if (migrated) await migrate(pool, silentLogger);
  return {
    config,
    pool,
    env: {
      DATABASE_HOST: config.host,
      DATABASE_PORT: String(config.port),
      DATABASE_NAME: config.database,
      DATABASE_USER: config.user,
      DATABASE_PASSWORD: config.password,
    },
    async drop() {
      await pool.end();
      const c = new Client({ host: '127.0.0.1', port: pgPort, user: pgUser, password: pgPassword, database: 'postgres' });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';

export interface TestApi {
  url: string;
  app: import('fastify').FastifyInstance;
  metrics: Metrics;
  close(): Promise<void>;
  /** fetch against the API with an optional bearer token. */
  request(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** Creates a user through the admin API and issues a token for it. */
  createUser(email: string): Promise<{ userId: string; token: string }>;
}

export async function startTestApi(
  db: TestDatabase,
  options: {
    redisPort?: number;
    maxUploadBytes?: number;
    maxUploadPixels?: number;
    cacheTtlSeconds?: number;
    /** Token resolver to use (a test wraps its store to pause lookups); by default one over db.pool. */
    tokens?: TokenResolver;
    /** Broadcast revocations over Redis, as `serve` does. */
    broadcastRevocations?: boolean;
  } = {},
): Promise<TestApi> {
  const metrics = createMetrics();
  const cache = createRedisCache({
    host: '127.0.0.1',
    port: options.redisPort ?? serverConfig().redisPort,
    ttlSeconds: options.cacheTtlSeconds ?? 60,
    logger: silentLogger,
    metrics,
  });
  const tokens = options.tokens ?? new TokenResolver(db.pool);
  const revocations = options.broadcastRevocations
    ? createRedisRevocations({
        host: '127.0.0.1',
        port: options.redisPort ?? serverConfig().redisPort,
        logger: silentLogger,
        metrics,
        onRevoked: () => tokens.forgetAll(),
      })
    : undefined;
  if (revocations) await revocations.ready;
  const app = await buildApp({
    pool: db.pool,
    cache,
    logger: silentLogger,
    metrics,
    adminToken: ADMIN_TOKEN,
    maxUploadBytes: options.maxUploadBytes ?? 10 * 1024 * 1024,
    ...(options.maxUploadPixels !== undefined ? { maxUploadPixels: options.maxUploadPixels } : {}),
    tokens,
    ...(revocations ? { revocations } : {}),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const request = (path: string, init: RequestInit & { token?: string } = {}) => {
    const { token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
    return fetch(url + path, { ...rest, headers });
  };
  const json = (body: unknown) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    url,
    app,
    metrics,
    request,
    async close() {
      await app.close();
      await cache.close();
      await revocations?.close();
    },
    async createUser(email) {
      const user = await request('/admin/users', { ...json({ email, name: email.split('@')[0] }), token: ADMIN_TOKEN });
      if (user.status !== 201) throw new Error(`creating ${email} failed: ${user.status} ${await user.text()}`);
      const { id } = (await user.json()) as { id: string };
      const issued = await request(`/admin/users/${id}/tokens`, { ...json({ label: 'test' }), token: ADMIN_TOKEN });
      const { token } = (await issued.json()) as { token: string };
      return { userId: id, token };
    },
  };
}

/** Waits until `check` returns a value that is not undefined, polling; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface SpawnedService {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs a service's src/main.ts through tsx in a child process, as the image runs dist/main.js. */
export function spawnService(service: 'api' | 'worker', args: string[], env: Record<string, string>): SpawnedService {
  const main = join(__dirname, '..', service, 'src', 'main.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

/** A PNG of the given size with some structure, so that resizing does real work. */
export function makePng(width: number, height: number): Promise<Buffer> {
  return sharp({
    create: { width, height, channels: 3, background: { r: 40, g: 120, b: 200 } },
  })
    .composite([
      {
        input: Buffer.from(
          `<svg width="${width}" height="${height}"><circle cx="${width / 2}" cy="${height / 2}" r="${Math.min(width, height) / 3}" fill="orange"/></svg>`,
        ),
      },
    ])
    .png()
    .toBuffer();
}
