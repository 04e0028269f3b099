import { createTestDatabase, startTestApi, type TestApi, type TestDatabase } from '../../test-support/fixtures';
import { JSON_BODY_LIMIT_BYTES } from '../src/app';

let db: TestDatabase;
let api: TestApi;
let token: string;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db);
  ({ token } = await api.createUser('tasks@example.com'));
});
afterAll(async () => {
  await api.close();
  await db.drop();
});

const send = (method: string, path: string, body: unknown) =>
  api.request(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), token });

interface ErrorBody {
  message: string;
  fields: { field: string; message: string }[];
}

test('create, read, update and delete a task', async () => {
  const created = await send('POST', '/tasks', { title: '  Buy milk ', notes: 'oat', dueDate: '2030-01-02' });
  expect(created.status).toBe(201);
  const task = (await created.json()) as { id: string; title: string; dueDate: string; done: boolean; completedAt: null };
  expect(task).toMatchObject({ title: 'Buy milk', dueDate: '2030-01-02', done: false, completedAt: null });
  expect(created.headers.get('location')).toBe(`/tasks/${task.id}`);

  const patched = await send('PATCH', `/tasks/${task.id}`, { done: true, dueDate: null });
  const after = (await patched.json()) as { done: boolean; dueDate: null; completedAt: string; notes: string };
  expect(patched.status).toBe(200);
  expect(after).toMatchObject({ done: true, dueDate: null, notes: 'oat' });
  expect(Date.parse(after.completedAt)).not.toBeNaN();

  const reopened = (await (await send('PATCH', `/tasks/${task.id}`, { done: false })).json()) as { completedAt: null };
  expect(reopened.completedAt).toBeNull();

  expect((await api.request(`/tasks/${task.id}`, { method: 'DELETE', token })).status).toBe(204);
  expect((await api.request(`/tasks/${task.id}`, { token })).status).toBe(404);
});

test.each([
  [{}, 'body.title'],
  [{ title: '' }, 'body.title'],
  [{ title: 'x'.repeat(201) }, 'body.title'],
  [{ title: 'ok', dueDate: '2030-13-40' }, 'body.dueDate'],
  [{ title: 'ok', done: 'yes' }, 'body.done'],
  [{ title: 'ok', colour: 'red' }, 'body.colour'],
])('a bad body %j is a 400 naming %s', async (body, field) => {
  const res = await send('POST', '/tasks', body);
  expect(res.status).toBe(400);
  const error = (await res.json()) as ErrorBody;
  expect(error.fields.map((f) => f.field)).toContain(field);
  expect(error.message).toContain(field);
});

test('an empty patch, a bad id and bad query parameters are 400s naming the field', async () => {
  const { id } = (await (await send('POST', '/tasks', { title: 'patch me' })).json()) as { id: string };
  expect(((await (await send('PATCH', `/tasks/${id}`, {})).json()) as ErrorBody).message).toContain('at least one');
  const badId = await api.request('/tasks/not-a-uuid', { token });
  expect(badId.status).toBe(400);
  expect(((await badId.json()) as ErrorBody).fields[0]!.field).toBe('params.id');
  for (const [query, field] of [
    ['limit=0', 'querystring.limit'],
    ['limit=abc', 'querystring.limit'],
    ['done=maybe', 'querystring.done'],
    ['dueFrom=tomorrow', 'querystring.dueFrom'],
    ['cursor=garbage', 'querystring.cursor'],
    ['sort=title', 'querystring.sort'],
  ]) {
    const res = await api.request(`/tasks?${query}`, { token });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).fields.map((f) => f.field)).toContain(field);
  }
});

test('malformed JSON is a 400 and a JSON body over the limit is a 413', async () => {
  const malformed = await api.request('/tasks', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"title": ',
    token,
  });
  expect(malformed.status).toBe(400);
  const big = await send('POST', '/tasks', { title: 'big', notes: 'x'.repeat(JSON_BODY_LIMIT_BYTES) });
  expect(big.status).toBe(413);
});

test('listing paginates newest first and filters', async () => {
  const other = await api.createUser('pages@example.com');
  const mk = (title: string, extra: object = {}) =>
    api.request('/tasks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title, ...extra }),
      token: other.token,
    });
  for (let i = 0; i < 7; i++) await mk(`task ${i}`, { dueDate: `2030-01-0${i + 1}`, done: i % 2 === 0 });
  await mk('50%_off coupon');

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page = (await (
      await api.request(`/tasks?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { token: other.token })
    ).json()) as { items: { title: string }[]; nextCursor: string | null };
    expect(page.items.length).toBeLessThanOrEqual(3);
    seen.push(...page.items.map((t) => t.title));
    cursor = page.nextCursor;
  } while (cursor !== null);
  expect(seen).toEqual(['50%_off coupon', 'task 6', 'task 5', 'task 4', 'task 3', 'task 2', 'task 1', 'task 0']);

  const list = async (query: string) =>
    ((await (await api.request(`/tasks?${query}`, { token: other.token })).json()) as { items: { title: string }[] }).items.map(
      (t) => t.title,
    );
  expect(await list('done=true')).toEqual(['task 6', 'task 4', 'task 2', 'task 0']);
  expect(await list('dueFrom=2030-01-03&dueTo=2030-01-05')).toEqual(['task 4', 'task 3', 'task 2']);
  expect(await list('q=50%25_')).toEqual(['50%_off coupon']);
  expect(await list('q=5_')).toEqual([]);
});
