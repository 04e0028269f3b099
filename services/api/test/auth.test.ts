import { createTestDatabase, startTestApi, ADMIN_TOKEN, type TestApi, type TestDatabase } from '../../test-support/fixtures';
import { hashToken } from '../src/auth';

let db: TestDatabase;
let api: TestApi;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db);
});
afterAll(async () => {
  await api.close();
  await db.drop();
});

const json = (method: string, body: unknown, token?: string) => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
  ...(token === undefined ? {} : { token }),
});

test('admin creates a user and issues a token that is stored only as a hash', async () => {
  const { userId, token } = await api.createUser('alice@example.com');
  const { rows } = await db.pool.query('SELECT token_hash FROM api_tokens WHERE user_id = $1', [userId]);
  expect(rows).toHaveLength(1);
  expect(Buffer.compare(rows[0].token_hash, hashToken(token))).toBe(0);
  const { rows: plain } = await db.pool.query(
    "SELECT count(*)::int AS n FROM api_tokens WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%'",
    [token],
  );
  expect(plain[0].n).toBe(0);
});

test('admin routes reject user tokens and missing tokens', async () => {
  const { token } = await api.createUser('mallory@example.com');
  const asUser = await api.request('/admin/users', json('POST', { email: 'x@example.com', name: 'x' }, token));
  expect(asUser.status).toBe(401);
  const anonymous = await api.request('/admin/users', json('POST', { email: 'x@example.com', name: 'x' }));
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
});

test('a duplicate email is a 409 naming the field', async () => {
  await api.createUser('dup@example.com');
  const res = await api.request('/admin/users', json('POST', { email: 'DUP@example.com', name: 'd' }, ADMIN_TOKEN));
  expect(res.status).toBe(409);
  expect(((await res.json()) as { message: string }).message).toContain('body.email');
});

test('task routes need a valid, unrevoked token', async () => {
  expect((await api.request('/tasks')).status).toBe(401);
  expect((await api.request('/tasks', { token: 'tn_not-a-real-token' })).status).toBe(401);
  const { userId } = await api.createUser('revoked@example.com');
  const issued = await api.request(`/admin/users/${userId}/tokens`, json('POST', {}, ADMIN_TOKEN));
  const { id, token } = (await issued.json()) as { id: string; token: string };
  expect((await api.request('/tasks', { token })).status).toBe(200);
  expect((await api.request(`/admin/tokens/${id}`, { method: 'DELETE', token: ADMIN_TOKEN })).status).toBe(204);
  expect((await api.request('/tasks', { token })).status).toBe(401);
});

test("one user can never read, change, delete or list another's tasks: 404, not 403", async () => {
  const alice = await api.createUser('owner@example.com');
  const bob = await api.createUser('intruder@example.com');
  const created = await api.request('/tasks', json('POST', { title: 'secret plan' }, alice.token));
  const task = (await created.json()) as { id: string };

  expect((await api.request(`/tasks/${task.id}`, { token: bob.token })).status).toBe(404);
  expect((await api.request(`/tasks/${task.id}`, json('PATCH', { done: true }, bob.token))).status).toBe(404);
  expect((await api.request(`/tasks/${task.id}`, { method: 'DELETE', token: bob.token })).status).toBe(404);
  expect((await api.request(`/tasks/${task.id}/attachments`, { token: bob.token })).status).toBe(404);
  const upload = await api.request(`/tasks/${task.id}/attachments`, {
    method: 'POST',
    headers: { 'content-type': 'image/png' },
    body: new Uint8Array([0x89, 0x50]),
    token: bob.token,
  });
  expect([404, 415]).toContain(upload.status);
  const bobList = (await (await api.request('/tasks', { token: bob.token })).json()) as { items: unknown[] };
  expect(bobList.items).toEqual([]);

  const stillThere = (await (await api.request(`/tasks/${task.id}`, { token: alice.token })).json()) as {
    title: string;
    done: boolean;
  };
  expect(stillThere).toMatchObject({ title: 'secret plan', done: false });
});
