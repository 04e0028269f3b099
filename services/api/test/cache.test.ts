import { createTestDatabase, startTestApi, waitFor, type TestApi, type TestDatabase } from '../../test-support/fixtures';
import { startRedis, type RunningRedis } from '../../test-support/servers';

let db: TestDatabase;
let redis: RunningRedis;
let api: TestApi;
let token: string;

beforeAll(async () => {
  db = await createTestDatabase();
  // Its own Redis, because one test stops it.
  redis = await startRedis();
  api = await startTestApi(db, { redisPort: redis.port });
  await waitFor('the cache to connect', async () => ((await api.metrics.cacheUp.get()).values[0]?.value === 1 ? true : undefined));
  ({ token } = await api.createUser('cache@example.com'));
});
afterAll(async () => {
  await api.close();
  await redis.stop();
  await db.drop();
});

const list = async () => {
  const res = await api.request('/tasks', { token });
  const body = (await res.json()) as { items: { title: string; done: boolean }[] };
  return { status: res.status, cache: res.headers.get('x-cache'), titles: body.items.map((t) => t.title), items: body.items };
};
const send = (method: string, path: string, body?: unknown) =>
  api.request(path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    token,
  });
const counter = async (result: string) =>
  (await api.metrics.cacheRequests.get()).values.find((v) => v.labels.result === result)?.value ?? 0;

test('a listing is served from the cache until a write invalidates it', async () => {
  await send('POST', '/tasks', { title: 'first' });
  expect(await list()).toMatchObject({ cache: 'miss', titles: ['first'] });
  expect(await list()).toMatchObject({ cache: 'hit', titles: ['first'] });

  const { id } = (await (await send('POST', '/tasks', { title: 'second' })).json()) as { id: string };
  expect(await list()).toMatchObject({ cache: 'miss', titles: ['second', 'first'] });
  expect((await list()).cache).toBe('hit');

  await send('PATCH', `/tasks/${id}`, { done: true });
  const afterPatch = await list();
  expect(afterPatch.cache).toBe('miss');
  expect(afterPatch.items[0]).toMatchObject({ title: 'second', done: true });

  await send('DELETE', `/tasks/${id}`);
  expect(await list()).toMatchObject({ cache: 'miss', titles: ['first'] });
  expect(await counter('hit')).toBeGreaterThanOrEqual(2);
});

test("one user's write does not serve stale data to, or invalidate, another user", async () => {
  const other = await api.createUser('cache-other@example.com');
  const otherList = async () => (await api.request('/tasks', { token: other.token })).headers.get('x-cache');
  await otherList();
  expect(await otherList()).toBe('hit');
  await send('POST', '/tasks', { title: 'mine' });
  expect(await otherList()).toBe('hit');
});

test('with Redis down the API still answers correctly, and says so in metrics', async () => {
  await list();
  await redis.stop();
  await waitFor('the cache to report down', async () => ((await api.metrics.cacheUp.get()).values[0]?.value === 0 ? true : undefined));

  const errorsBefore = await counter('error');
  await send('POST', '/tasks', { title: 'written while redis is down' });
  const during = await list();
  expect(during.status).toBe(200);
  expect(during.cache).toBe('miss');
  expect(during.titles[0]).toBe('written while redis is down');
  expect(await counter('error')).toBeGreaterThan(errorsBefore);
  const invalidateErrors = (await api.metrics.cacheErrors.get()).values.find((v) => v.labels.operation === 'invalidate');
  expect(invalidateErrors?.value).toBeGreaterThanOrEqual(1);

  const metricsText = await (await api.request('/metrics')).text();
  expect(metricsText).toMatch(/^tasknote_cache_up 0$/m);

  // Back on the same port, the cache is used again and serves the new data.
  redis = await startRedis(redis.port);
  await waitFor('the cache to reconnect', async () => ((await api.metrics.cacheUp.get()).values[0]?.value === 1 ? true : undefined));
  expect((await list()).titles[0]).toBe('written while redis is down');
  expect(await list()).toMatchObject({ cache: 'hit' });
});
