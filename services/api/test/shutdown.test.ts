import { request as httpRequest } from 'node:http';
import {
  ADMIN_TOKEN,
  createTestDatabase,
  makePng,
  serverConfig,
  spawnService,
  waitFor,
  type SpawnedService,
  type TestDatabase,
} from '../../test-support/fixtures';
import { freePort } from '../../test-support/servers';

let db: TestDatabase;
let api: SpawnedService;
let base: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  api = spawnService('api', ['serve'], {
    ...db.env,
    PORT: String(port),
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: String(serverConfig().redisPort),
    ADMIN_TOKEN,
    SHUTDOWN_DRAIN_SECONDS: '1',
    LOG_LEVEL: 'info',
  });
  await waitFor('the api to answer /healthz', async () => {
    try {
      return (await fetch(`${base}/healthz`)).status === 200 ? true : undefined;
    } catch {
      return undefined;
    }
  });
});
afterAll(async () => {
  if (api.child.exitCode === null) api.child.kill('SIGKILL');
  await db.drop();
});

test('on SIGTERM readiness fails, in-flight requests finish, then the process exits 0', async () => {
  const post = (path: string, body: unknown, token: string) =>
    fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    }).then((r) => r.json() as Promise<{ id: string; token: string }>);
  const user = await post('/admin/users', { email: 'shutdown@example.com', name: 'S' }, ADMIN_TOKEN);
  const { token } = await post(`/admin/users/${user.id}/tokens`, {}, ADMIN_TOKEN);
  const task = await post('/tasks', { title: 'upload during shutdown' }, token);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);

  // An upload whose body is still arriving when SIGTERM comes.
  const png = await makePng(200, 200);
  const { hostname, port } = new URL(base);
  const upload = httpRequest({
    hostname,
    port,
    method: 'POST',
    path: `/tasks/${task.id}/attachments`,
    headers: { 'content-type': 'image/png', 'content-length': png.length, authorization: `Bearer ${token}` },
  });
  const uploaded = new Promise<number>((resolve, reject) => {
    upload.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    upload.on('error', reject);
  });
  upload.write(png.subarray(0, 100));

  api.child.kill('SIGTERM');
  await waitFor('readiness to fail', async () => ((await fetch(`${base}/readyz`)).status === 503 ? true : undefined));
  // Still serving during the drain window, only not ready.
  expect((await fetch(`${base}/tasks`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

  // Past the drain window the server is closing, and the upload is still in flight.
  await new Promise((r) => setTimeout(r, 1500));
  expect(api.child.exitCode).toBeNull();
  upload.end(png.subarray(100));
  expect(await uploaded).toBe(201);

  const exit = await api.exited;
  expect(exit).toEqual({ code: 0, signal: null });
  const { rows } = await db.pool.query('SELECT byte_size FROM attachments');
  expect(rows).toEqual([{ byte_size: png.length }]);
  expect(api.output()).toContain('shutdown complete');
});
