// One PostgreSQL and one Redis for the whole services test run; each test file makes its own database.
import { startPostgres, type RunningPostgres } from './postgres';
import { startRedis, useServers, type RunningRedis } from './servers';

declare global {
  var tasknoteTestServers: { pg: RunningPostgres; redis: RunningRedis } | undefined;
}

export default async function globalSetup(): Promise<void> {
  const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  globalThis.tasknoteTestServers = { pg, redis };
  // Test workers are forked after this and inherit the environment.
  useServers(pg, redis);
}
