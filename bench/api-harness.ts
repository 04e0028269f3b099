// What the API benchmarks share: real PostgreSQL and Redis, the api process, and a user with a token.
import { ADMIN_TOKEN, createTestDatabase, spawnService, waitFor } from '../services/test-support/fixtures';
import { startPostgres } from '../services/test-support/postgres';
import { freePort, startRedis, useServers } from '../services/test-support/servers';

export interface BenchApi {
  readonly base: string;
  /** The bench user's bearer token. */
  readonly token: string;
  /** The bench user's id. */
  readonly userId: string;
  readonly db: Awaited<ReturnType<typeof createTestDatabase>>;
  readonly api: ReturnType<typeof spawnService>;
  /** Stops the api, drops the database and stops the servers. */
  stop(): Promise<void>;
}

/** Starts PostgreSQL, Redis and the api, and creates the user `email` with a token. */
export async function startBenchApi(email: string): Promise<BenchApi> {
  const pg = await startPostgres();
  const redis = await startRedis();
  useServers(pg, redis);
  const db = await createTestDatabase();
  const port = await freePort();
  const api = spawnService('api', ['serve'], {
    ...db.env,
    PORT: String(port),
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: String(redis.port),
    ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    SHUTDOWN_DRAIN_SECONDS: '0',
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    api.child.kill('SIGTERM');
    await api.exited;
    await db.drop();
    await redis.stop();
    await pg.stop();
  };
  try {
    await waitFor('the api', async () => {
      try {
        return (await fetch(`${base}/readyz`)).status === 200 ? true : undefined;
      } catch {
        return undefined;
      }
    });
    const post = async (path: string, body: unknown) =>
      (await (
        await fetch(base + path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
          body: JSON.stringify(body),
        })
      ).json()) as { id: string; token: string };
    const user = await post('/admin/users', { email, name: email.split('@')[0] });
    const { token } = await post(`/admin/users/${user.id}/tokens`, {});
    return { base, token, userId: user.id, db, api, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
