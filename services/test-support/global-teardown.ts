export default async function globalTeardown(): Promise<void> {
  const servers = globalThis.tasknoteTestServers;
  if (servers === undefined) return;
  await Promise.all([servers.pg.stop(), servers.redis.stop()]);
}
