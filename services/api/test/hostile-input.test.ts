// Hostile input in every part of every route: bodies, query strings, path parameters, headers and the cursor.
// Whatever passes validation must be storable by PostgreSQL; everything else is a 4xx naming the field.
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Pool } from 'pg';
import pino from 'pino';
import { buildApp } from '../src/app';
import type { TaskListCache } from '../src/cache';
import { createMetrics } from '../src/metrics';
import { isCursorTimestamp } from '../src/tasks';
import { ADMIN_TOKEN, createTestDatabase, startTestApi, type TestApi, type TestDatabase } from '../../test-support/fixtures';
import { freePort } from '../../test-support/servers';

let db: TestDatabase;
let api: TestApi;
let token: string;
let userId: string;
let taskId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db);
  ({ token, userId } = await api.createUser('hostile@example.com'));
  const created = await send('POST', '/tasks', { title: 'target' });
  taskId = ((await created.json()) as { id: string }).id;
});
afterAll(async () => {
  await api.close();
  await db.drop();
});

function send(method: string, path: string, body?: unknown, auth = token): Promise<Response> {
  return api.request(path, {
    method,
    token: auth,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
}

interface ErrorBody {
  error: string;
  message: string;
  requestId: string;
  fields?: { field: string; message: string }[];
}

const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const NUL = 'a\u0000b';
const LONE_SURROGATE = 'x\ud800y';

// Each of these was a 500 before: PostgreSQL refused a value that validation let through.
const cases: [string, string, string, unknown, string][] = [
  ['NUL in a task title', 'POST', '/tasks', { title: NUL }, 'body.title'],
  ['NUL in task notes', 'POST', '/tasks', { title: 'ok', notes: NUL }, 'body.notes'],
  ['a lone surrogate in a title', 'POST', '/tasks', { title: LONE_SURROGATE }, 'body.title'],
  ['year 0000 as a due date', 'POST', '/tasks', { title: 'ok', dueDate: '0000-06-01' }, 'body.dueDate'],
  ['NUL in a patched title', 'PATCH', '/tasks/{task}', { title: NUL }, 'body.title'],
  ['year 0000 in a patch', 'PATCH', '/tasks/{task}', { dueDate: '0000-01-01' }, 'body.dueDate'],
  ['NUL in the search text', 'GET', `/tasks?q=${encodeURIComponent(NUL)}`, undefined, 'querystring.q'],
  ['year 0000 in dueFrom', 'GET', '/tasks?dueFrom=0000-01-01', undefined, 'querystring.dueFrom'],
  ['year 0000 in dueTo', 'GET', '/tasks?dueTo=0000-12-31', undefined, 'querystring.dueTo'],
  [
    'a thumbnail width beyond int4',
    'GET',
    '/tasks/{task}/attachments/00000000-0000-4000-8000-000000000000/thumbnails/99999999999',
    undefined,
    'params.width',
  ],
];

test.each(cases)('%s is a 400 naming the field, not a 500', async (_what, method, path, body, field) => {
  const res = await send(method, path.replace('{task}', taskId), body);
  expect(res.status).toBe(400);
  const error = (await res.json()) as ErrorBody;
  expect(error.fields?.map((f) => f.field)).toContain(field);
  expect(error.message).toContain(field);
  expect(error.requestId).toBe(res.headers.get('x-request-id'));
});

test.each([
  ['NUL in a user name', '/admin/users', { email: 'n@example.com', name: NUL }, 'body.name'],
  ['NUL in a token label', '/admin/users/{user}/tokens', { label: NUL }, 'body.label'],
  ['a lone surrogate in a token label', '/admin/users/{user}/tokens', { label: LONE_SURROGATE }, 'body.label'],
])('admin: %s is a 400 naming the field', async (_what, path, body, field) => {
  const res = await send('POST', path.replace('{user}', userId), body, ADMIN_TOKEN);
  expect(res.status).toBe(400);
  expect(((await res.json()) as ErrorBody).fields?.map((f) => f.field)).toContain(field);
});

describe('a forged cursor is validated like any input', () => {
  const id = '00000000-0000-4000-8000-000000000000';
  test.each([
    ['a date PostgreSQL cannot parse', cursor({ createdAt: 'yesterday', id })],
    ['month 13', cursor({ createdAt: '2026-13-01 00:00:00+00', id })],
    ['30 February', cursor({ createdAt: '2024-02-30 00:00:00+00', id })],
    ['hour 24', cursor({ createdAt: '2026-01-01 24:00:00+00', id })],
    ['an offset of 99 hours', cursor({ createdAt: '2026-01-01 00:00:00+99', id })],
    ['year 0000', cursor({ createdAt: '0000-01-01 00:00:00+00', id })],
    ['NUL in the timestamp', cursor({ createdAt: '2026-01-01 00:00:00+00\u0000', id })],
    ['an id that is not a UUID', cursor({ createdAt: '2026-01-01 00:00:00+00', id: 'nope' })],
    ['not JSON', Buffer.from('{').toString('base64url')],
    ['not base64', '!!!'],
  ])('%s: 400 naming querystring.cursor', async (_what, forged) => {
    const res = await send('GET', `/tasks?cursor=${encodeURIComponent(forged)}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).fields?.map((f) => f.field)).toEqual(['querystring.cursor']);
  });

  test('the cursors this API hands out pass the same check', async () => {
    for (let i = 0; i < 3; i++) await send('POST', '/tasks', { title: `page ${i}` });
    const first = (await (await send('GET', '/tasks?limit=1')).json()) as { nextCursor: string };
    const decoded = JSON.parse(Buffer.from(first.nextCursor, 'base64url').toString()) as { createdAt: string };
    expect(isCursorTimestamp(decoded.createdAt)).toBe(true);
    expect((await send('GET', `/tasks?limit=1&cursor=${first.nextCursor}`)).status).toBe(200);
  });

  test.each(['2026-01-01 00:00:00+00', '2026-01-01 00:00:00.123456+05:30', '0001-01-01 00:00:00-15', '2024-02-29 23:59:59+00'])(
    '%s is a timestamp PostgreSQL accepts, and so is the cursor',
    async (createdAt) => {
      expect(isCursorTimestamp(createdAt)).toBe(true);
      expect((await send('GET', `/tasks?cursor=${cursor({ createdAt, id })}`)).status).toBe(200);
    },
  );
});

describe('headers', () => {
  test('a JSON route sent an unknown media type is a 415 with the JSON error shape', async () => {
    const res = await api.request('/tasks', { method: 'POST', token, headers: { 'content-type': 'application/xml' }, body: '<a/>' });
    expect(res.status).toBe(415);
    expect(((await res.json()) as ErrorBody).requestId).toBe(res.headers.get('x-request-id'));
  });

  test.each(['image/png', 'text/plain'])('a JSON route sent %s is a 400 naming the body', async (type) => {
    const res = await api.request('/tasks', { method: 'POST', token, headers: { 'content-type': type }, body: 'xx' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).fields?.[0]?.field).toMatch(/^body/);
  });

  test('malformed JSON is a 400', async () => {
    const res = await api.request('/tasks', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: '{"title":' });
    expect(res.status).toBe(400);
  });

  test.each([
    ['no scheme', 'tn_abc'],
    ['Basic', 'Basic dXNlcjpwYXNz'],
    ['two tokens', 'Bearer a b'],
    ['an empty bearer', 'Bearer '],
    ['a huge token', `Bearer ${'x'.repeat(8000)}`],
    ['NUL-free binary junk', 'Bearer \u00ff\u00fe'],
  ])('Authorization with %s is a 401', async (_what, authorization) => {
    const res = await api.request('/tasks', { headers: { authorization } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  test('a client X-Request-Id is kept when it is short and plain, replaced otherwise', async () => {
    const kept = await api.request('/tasks/not-a-uuid', { token, headers: { 'x-request-id': 'client-req.42' } });
    expect(kept.headers.get('x-request-id')).toBe('client-req.42');
    expect(((await kept.json()) as ErrorBody).requestId).toBe('client-req.42');
    const replaced = await api.request('/tasks', { token, headers: { 'x-request-id': 'a b\tc' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

// Not only the known cases: every string field, every path, and every query parameter, with values that have hurt before.
/** Percent-encodes for a URL; a lone surrogate has no UTF-8 form, so it goes as the raw bytes a client could send. */
const inUrl = (v: string) => {
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80';
  }
};
const HOSTILE = [
  NUL,
  LONE_SURROGATE,
  '\u0000',
  '0000-01-01',
  '9999-12-31T23:59:59Z',
  '-1',
  '1e309',
  "'; DROP TABLE tasks; --",
  '%00',
  '\\',
  '💥'.repeat(150),
  'x'.repeat(20_000),
];

test('no hostile value in any field of any route gets a 5xx', async () => {
  const statuses = new Map<number, number>();
  const record = async (res: Response) => {
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status >= 500) throw new Error(`${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  for (const v of HOSTILE) {
    for (const field of ['title', 'notes', 'dueDate', 'done']) {
      await record(await send('POST', '/tasks', { title: 'ok', [field]: v }));
      await record(await send('PATCH', `/tasks/${taskId}`, { [field]: v }));
    }
    for (const param of ['limit', 'cursor', 'done', 'dueFrom', 'dueTo', 'q']) {
      await record(await send('GET', `/tasks?${param}=${inUrl(v)}`));
    }
    const p = inUrl(v.slice(0, 500));
    for (const path of [
      `/tasks/${p}`,
      `/tasks/${p}/attachments`,
      `/tasks/${taskId}/attachments/${p}`,
      `/tasks/${taskId}/attachments/${p}/thumbnails/${p}`,
    ]) {
      await record(await send('GET', path));
    }
    await record(await send('POST', '/admin/users', { email: `${v}@example.com`, name: v }, ADMIN_TOKEN));
    await record(await send('POST', `/admin/users/${userId}/tokens`, { label: v }, ADMIN_TOKEN));
    await record(await send('DELETE', `/admin/tokens/${p}`, undefined, ADMIN_TOKEN));
  }
  expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
  expect(statuses.get(400)).toBeGreaterThan(0);
});

describe('errors that are the server’s own', () => {
  function capturingLogger(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    return {
      logger: pino({ level: 'info' }, stream),
      lines: () =>
        chunks
          .join('')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>),
    };
  }
  /** A real request over loopback to an app built for the test. */
  async function get(app: FastifyInstance, path: string, bearer: string) {
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(url + path, { headers: { authorization: `Bearer ${bearer}` } });
    const text = await res.text();
    return { statusCode: res.status, headers: Object.fromEntries(res.headers), body: text, json: () => JSON.parse(text) as unknown };
  }
  const noCache: TaskListCache = {
    get: async () => ({ miss: null }),
    set: async () => undefined,
    invalidate: async () => undefined,
    close: async () => undefined,
  };

  test('PostgreSQL unreachable: 503 with Retry-After, JSON, and the cause logged under the request id', async () => {
    // A real pool aimed at a port nobody listens on: the connection is refused.
    const pool = new Pool({
      host: '127.0.0.1',
      port: await freePort(),
      user: 'x',
      password: 'x',
      database: 'x',
      connectionTimeoutMillis: 2_000,
    });
    const { logger, lines } = capturingLogger();
    const app = await buildApp({ pool, cache: noCache, logger, metrics: createMetrics(), adminToken: ADMIN_TOKEN, maxUploadBytes: 1024 });
    try {
      const res = await get(app, '/tasks', 'tn_whatever');
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('2');
      const body = res.json() as ErrorBody;
      expect(body).toMatchObject({ error: 'Service Unavailable', requestId: res.headers['x-request-id'] });
      const logged = lines().find((l) => l.msg === 'database unavailable');
      expect(logged?.reqId).toBe(body.requestId);
      expect(JSON.stringify(logged?.err)).toContain('ECONNREFUSED');
    } finally {
      await app.close();
      await pool.end();
    }
  });

  test('a bug: 500 with a JSON error and request id; the cause goes to the log, not to the client', async () => {
    const { logger, lines } = capturingLogger();
    // A dependency that fails in a way no input explains.
    const broken = Object.assign(Object.create(db.pool) as Pool, {
      query: async () => {
        throw new TypeError('secret internal detail');
      },
    });
    const app = await buildApp({
      pool: broken,
      cache: noCache,
      logger,
      metrics: createMetrics(),
      adminToken: ADMIN_TOKEN,
      maxUploadBytes: 1024,
    });
    try {
      const res = await get(app, '/tasks', token);
      expect(res.statusCode).toBe(500);
      const body = res.json() as ErrorBody;
      expect(body).toEqual({ error: 'Internal Server Error', message: 'internal error', requestId: res.headers['x-request-id'] });
      expect(res.body).not.toContain('secret internal detail');
      const logged = lines().find((l) => l.msg === 'request failed');
      expect(logged?.reqId).toBe(body.requestId);
      expect(JSON.stringify(logged?.err)).toContain('secret internal detail');
    } finally {
      await app.close();
    }
  });
});
