/**
 * The fuzz lane: schemathesis against a real TaskNote API, with real PostgreSQL and Redis.
 *
 *   npm run test:fuzz                       # starts PostgreSQL, Redis and the API (as `serve`) itself
 *   npx tsx scripts/fuzz/run.ts --base-url http://127.0.0.1:8080 --admin-token T   # an API already running
 *
 * It reads the OpenAPI document the API serves and runs every phase (examples, coverage, fuzzing,
 * stateful) as two users, alice and bob, and as the admin. It fails on any 5xx, on any response that
 * breaks its declared schema, status code or content type, when one user gets an object that belongs
 * to the other (schemathesis' object_level_authorization, stateful), when a response to one user
 * carries data seeded for the other (tasknote_hooks.py), and when the API logged a validation gap.
 *
 * Bounded: a fixed number of examples per operation, a fixed seed, and a time cap. Prints the number
 * of requests the API served and each finding.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ADMIN_TOKEN, createTestDatabase, spawnService, type SpawnedService } from '../../services/test-support/fixtures';
import { startPostgres } from '../../services/test-support/postgres';
import { freePort, startRedis, useServers } from '../../services/test-support/servers';
import { fuzz, log, type Target } from './fuzz';

const { values: args } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    'admin-token': { type: 'string' },
    /** A file the external API logs to (JSON lines), scanned for validation gaps and errors afterwards. */
    'api-log': { type: 'string' },
    examples: { type: 'string', default: '200' },
    seed: { type: 'string', default: '20261201' },
    'time-cap': { type: 'string', default: '480' },
    st: { type: 'string' },
  },
});
const examples = Number(args.examples);
const seed = Number(args.seed);
const timeCapSeconds = Number(args['time-cap']);

async function localTarget(): Promise<Target> {
  const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  useServers(pg, redis);
  const db = await createTestDatabase();
  const port = await freePort();
  const api: SpawnedService = spawnService('api', ['serve'], {
    ...db.env,
    PORT: String(port),
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: String(redis.port),
    ADMIN_TOKEN,
    LOG_LEVEL: 'info',
    SHUTDOWN_DRAIN_SECONDS: '0',
  });
  // The worker too: uploads the API accepted get their thumbnails, so those routes answer with images,
  // and a job failing on an accepted image shows in its log (a finding: the API should have refused it).
  const worker: SpawnedService = spawnService('worker', [], {
    ...db.env,
    HTTP_PORT: String(await freePort()),
    THUMBNAIL_SIZES: '64,256',
    POLL_INTERVAL_MS: '100',
    JOB_MAX_ATTEMPTS: '1',
    LOG_LEVEL: 'warn',
  });
  log(`API on 127.0.0.1:${port} and a worker, PostgreSQL on ${pg.port}, Redis on ${redis.port}`);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    adminToken: ADMIN_TOKEN,
    apiLog: async () => api.output() + worker.output(),
    async stop() {
      worker.child.kill('SIGTERM');
      api.child.kill('SIGTERM');
      await Promise.all([api.exited, worker.exited]);
      await db.drop();
      await redis.stop();
      await pg.stop();
    },
  };
}

function externalTarget(baseUrl: string, adminToken: string, logFile: string | undefined): Target {
  return {
    baseUrl: baseUrl.replace(/\/$/, ''),
    adminToken,
    apiLog: async () => (logFile === undefined ? '' : readFile(logFile, 'utf8').catch(() => '')),
    stop: async () => undefined,
  };
}

async function main(): Promise<number> {
  const st = args.st ?? process.env.TASKNOTE_FUZZ_ST;
  if (!st) throw new Error('no schemathesis: run through scripts/fuzz/lane.sh (npm run test:fuzz), or pass --st PATH');
  const external = args['base-url'] !== undefined;
  const target = external ? externalTarget(args['base-url']!, args['admin-token'] ?? ADMIN_TOKEN, args['api-log']) : await localTarget();
  try {
    return await fuzz(target, { st, examples, seed, timeCapSeconds, label: external ? target.baseUrl : 'api process' });
  } finally {
    await target.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
