import { createTestDatabase, makePng, startTestApi, type TestApi, type TestDatabase } from '../../test-support/fixtures';

let db: TestDatabase;
let api: TestApi;
let token: string;
let taskId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db);
  ({ token } = await api.createUser('images@example.com'));
  const res = await api.request('/tasks', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'with a picture' }),
    token,
  });
  taskId = ((await res.json()) as { id: string }).id;
});
afterAll(async () => {
  await api.close();
  await db.drop();
});

const upload = (body: Uint8Array, contentType: string) =>
  api.request(`/tasks/${taskId}/attachments`, { method: 'POST', headers: { 'content-type': contentType }, body, token });

test('an image upload stores the original and enqueues one resize job', async () => {
  const png = await makePng(320, 200);
  const res = await upload(png, 'image/png');
  expect(res.status).toBe(201);
  const attachment = (await res.json()) as { id: string; width: number; height: number; byteSize: number };
  expect(attachment).toMatchObject({ width: 320, height: 200, byteSize: png.length });

  const { rows } = await db.pool.query("SELECT kind, payload, status FROM jobs WHERE payload->>'attachmentId' = $1", [
    attachment.id,
  ]);
  expect(rows).toEqual([{ kind: 'resize', payload: { attachmentId: attachment.id }, status: 'queued' }]);

  const original = await api.request(`/tasks/${taskId}/attachments/${attachment.id}`, { token });
  expect(original.headers.get('content-type')).toBe('image/png');
  expect(Buffer.from(await original.arrayBuffer()).equals(png)).toBe(true);

  const listed = (await (await api.request(`/tasks/${taskId}/attachments`, { token })).json()) as { items: unknown[] };
  expect(listed.items).toHaveLength(1);
  expect((await api.request(`/tasks/${taskId}/attachments/${attachment.id}/thumbnails/64`, { token })).status).toBe(404);
});

test('bytes that are not an accepted image are rejected with 415 naming the body', async () => {
  const notImage = await upload(Buffer.from('hello, this is text'), 'image/png');
  expect(notImage.status).toBe(415);
  expect(((await notImage.json()) as { message: string }).message).toMatch(/^body: /);

  const mislabelled = await upload(await makePng(10, 10), 'image/jpeg');
  expect(mislabelled.status).toBe(415);
  expect(((await mislabelled.json()) as { message: string }).message).toContain('image/png');

  const wrongType = await upload(Buffer.from('a,b'), 'text/csv');
  expect(wrongType.status).toBe(415);
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM attachments WHERE task_id = $1', [taskId]);
  expect(rows[0].n).toBe(1);
});

test('an upload over 10 MB is a 413, and nothing is stored', async () => {
  const tooBig = Buffer.alloc(10 * 1024 * 1024 + 1, 1);
  const res = await upload(tooBig, 'image/png');
  expect(res.status).toBe(413);
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM jobs');
  expect(rows[0].n).toBe(1);
});
