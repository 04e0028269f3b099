// Revocation without a gap: on the replica that revokes, even against a lookup in flight; on the others over Redis
// pub/sub; and, while Redis is down, within the resolver's TTL.
import { TokenResolver, type TokenStore } from '../src/auth';
import { ADMIN_TOKEN, createTestDatabase, startTestApi, waitFor, type TestApi, type TestDatabase } from '../../test-support/fixtures';
import { freePort, startRedis, type RunningRedis } from '../../test-support/servers';

let db: TestDatabase;
const apis: TestApi[] = [];
const redises: RunningRedis[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const api of apis) await api.close();
  for (const redis of redises) await redis.stop();
  await db.drop();
});

async function replica(options: Parameters<typeof startTestApi>[1] = {}): Promise<TestApi> {
  const api = await startTestApi(db, options);
  apis.push(api);
  return api;
}

const post = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function issueToken(api: TestApi, email: string): Promise<{ tokenId: string; token: string }> {
  const { userId } = await api.createUser(email);
  const issued = await api.request(`/admin/users/${userId}/tokens`, { ...post({}), token: ADMIN_TOKEN });
  const { id, token } = (await issued.json()) as { id: string; token: string };
  return { tokenId: id, token };
}

const revoke = (api: TestApi, tokenId: string) => api.request(`/admin/tokens/${tokenId}`, { method: 'DELETE', token: ADMIN_TOKEN });

/**
 * The real pool, with one gate: a token lookup that has read its answer from PostgreSQL waits there
 * until the test opens the gate. That is the interleaving "lookup in flight at the moment of revocation",
 * forced by the test instead of hoped for with timing.
 */
function gatedStore(): { store: TokenStore; arm(): { readDone: Promise<void>; release(): void } } {
  let gate: { readDone: () => void; released: Promise<void> } | undefined;
  const store: TokenStore = {
    async query<R extends object>(text: string, values: unknown[]) {
      const result = await db.pool.query<R>(text, values);
      const armed = gate;
      if (armed !== undefined) {
        gate = undefined;
        armed.readDone();
        await armed.released;
      }
      return result;
    },
  };
  return {
    store,
    arm() {
      let readDone!: () => void;
      let release!: () => void;
      const read = new Promise<void>((r) => (readDone = r));
      const released = new Promise<void>((r) => (release = r));
      gate = { readDone, released };
      return { readDone: read, release };
    },
  };
}

test('a lookup in flight when the token is revoked cannot put it back in the cache', async () => {
  const { store, arm } = gatedStore();
  const tokens = new TokenResolver(store);
  const api = await replica({ tokens });
  const { tokenId, token } = await issueToken(api, 'inflight@example.com');

  // 1. A request's lookup reads the token as valid from PostgreSQL, and is held there.
  const gate = arm();
  const inFlight = api.request('/tasks', { token });
  await gate.readDone;
  // 2. The token is revoked on this same replica while that lookup is still in flight.
  expect((await revoke(api, tokenId)).status).toBe(204);
  // 3. The lookup completes with the answer it read before the revocation.
  gate.release();
  expect((await inFlight).status).toBe(200);
  // The stale answer was not remembered: the very next request is refused, with no wait.
  expect(tokens.size).toBe(0);
  expect((await api.request('/tasks', { token })).status).toBe(401);
});

test('without a revocation in flight, a valid token is remembered (the cache still works)', async () => {
  const { store } = gatedStore();
  const tokens = new TokenResolver(store);
  const api = await replica({ tokens });
  const { token } = await issueToken(api, 'remembered@example.com');
  expect((await api.request('/tasks', { token })).status).toBe(200);
  expect(tokens.size).toBe(1);
});

test('a revocation on one replica reaches the others over Redis pub/sub, before their TTL', async () => {
  // A TTL far longer than the test: only the broadcast can make the other replica refuse in time.
  const tokensB = new TokenResolver(db.pool, 10 * 60_000);
  const a = await replica({ broadcastRevocations: true });
  const b = await replica({ broadcastRevocations: true, tokens: tokensB });
  const { tokenId, token } = await issueToken(a, 'broadcast@example.com');
  expect((await b.request('/tasks', { token })).status).toBe(200);
  expect(tokensB.size).toBe(1);

  expect((await revoke(a, tokenId)).status).toBe(204);
  // Wait for the message itself (an event, not a duration), then B must refuse.
  await waitFor('replica B to hear the revocation', async () =>
    (await b.metrics.revocationBroadcasts.get()).values.some((v) => v.labels.direction === 'received' && v.value >= 1) ? true : undefined,
  );
  expect((await b.request('/tasks', { token })).status).toBe(401);
  const sent = (await a.metrics.revocationBroadcasts.get()).values.find((v) => v.labels.direction === 'sent');
  expect(sent?.value).toBe(1);
});

test('Redis down: the revoking replica stops at once, the others within the TTL (the documented bound)', async () => {
  const ttlMs = 10_000;
  // B's clock is the test's: it steps past the TTL instead of sleeping, so a slow machine cannot expire it early.
  let clock = Date.now();
  // Each replica's Redis is a port where nothing listens: no broadcast is possible.
  const deadRedis = await freePort();
  const tokensB = new TokenResolver(db.pool, ttlMs, 10_000, () => clock);
  const a = await replica({ broadcastRevocations: false, redisPort: deadRedis });
  const b = await replica({ broadcastRevocations: false, redisPort: deadRedis, tokens: tokensB });
  const { tokenId, token } = await issueToken(a, 'ttl@example.com');
  expect((await a.request('/tasks', { token })).status).toBe(200);
  expect((await b.request('/tasks', { token })).status).toBe(200);

  expect((await revoke(a, tokenId)).status).toBe(204);
  expect((await a.request('/tasks', { token })).status).toBe(401);
  // B has not heard: its remembered answer stands until the TTL runs out, and not beyond.
  expect((await b.request('/tasks', { token })).status).toBe(200);
  clock += ttlMs - 1;
  expect((await b.request('/tasks', { token })).status).toBe(200);
  clock += 1;
  expect((await b.request('/tasks', { token })).status).toBe(401);
});

test('a replica whose Redis comes back forgets what it remembered, since it may have missed revocations', async () => {
  const redis = await startRedis();
  redises.push(redis);
  const tokensB = new TokenResolver(db.pool, 10 * 60_000);
  const b = await replica({ broadcastRevocations: true, redisPort: redis.port, tokens: tokensB });
  const { token } = await issueToken(b, 'reconnect@example.com');
  expect((await b.request('/tasks', { token })).status).toBe(200);
  expect(tokensB.size).toBe(1);
  // Redis restarts on the same port; the subscriber reconnects and resubscribes.
  const port = redis.port;
  await redis.stop();
  const again = await startRedis(port);
  redises.push(again);
  await waitFor('the subscription to come back and clear the cache', async () => (tokensB.size === 0 ? true : undefined));
  expect(tokensB.size).toBe(0);
});
