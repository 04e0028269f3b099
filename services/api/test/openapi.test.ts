// The OpenAPI document is generated from the routes; this keeps the two in step, and the responses honest.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { registeredRoutes } from '../src/app';
import { ADMIN_TOKEN, createTestDatabase, makePng, startTestApi, type TestApi, type TestDatabase } from '../../test-support/fixtures';

let db: TestDatabase;
let api: TestApi;
let token: string;
let doc: {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      { responses: Record<string, { content?: Record<string, { schema: object }> }>; parameters?: { name: string; in: string }[] }
    >
  >;
};

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db);
  ({ token } = await api.createUser('contract@example.com'));
  const res = await api.request('/openapi.json');
  expect(res.status).toBe(200);
  doc = (await res.json()) as typeof doc;
});
afterAll(async () => {
  await api.close();
  await db.drop();
});

const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

test('the API serves an OpenAPI 3.1 document with every route and method it has, and nothing else', () => {
  expect(doc.openapi).toBe('3.1.0');
  const routes = registeredRoutes(api.app).map((r) => `${r.method} ${openApiPath(r.url)}`);
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
  expect(routes.length).toBeGreaterThanOrEqual(16);
  expect(documented.sort()).toEqual([...new Set(routes)].sort());
});

test('every route declares its success and error responses, and its path parameters', () => {
  for (const route of registeredRoutes(api.app)) {
    const response = (route.schema?.response ?? {}) as Record<string, unknown>;
    const codes = Object.keys(response);
    expect({ route: `${route.method} ${route.url}`, success: codes.some((c) => /^2\d\d$/.test(c)) }).toEqual({
      route: `${route.method} ${route.url}`,
      success: true,
    });
    expect(codes).toEqual(expect.arrayContaining(['4xx', '5xx']));
    const op = doc.paths[openApiPath(route.url)]![route.method.toLowerCase()]!;
    const pathParams = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1]);
    expect((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name)).toEqual(pathParams);
  }
});

describe('responses match the document exactly (no undeclared field leaks out)', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);

  async function conforms(method: string, path: string, res: Response, docPath: string): Promise<unknown> {
    const op = doc.paths[docPath]![method.toLowerCase()]!;
    const declared = op.responses[String(res.status)] ?? op.responses[`${String(res.status)[0]}XX`];
    expect({ path, status: res.status, declared: declared !== undefined }).toEqual({ path, status: res.status, declared: true });
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!;
    if (res.status === 204) return undefined;
    const media = declared!.content?.[type];
    expect({ path, type, documented: media !== undefined }).toEqual({ path, type, documented: true });
    if (type !== 'application/json') return undefined;
    const body: unknown = await res.json();
    // Every object schema zod emits says additionalProperties: false, so an extra field fails here.
    const validate = ajv.compile(media!.schema);
    expect({ path, valid: validate(body), errors: validate.errors ?? null }).toEqual({ path, valid: true, errors: null });
    return body;
  }

  const json = (method: string, body: unknown, auth = token): RequestInit & { token: string } => ({
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    token: auth,
  });

  test('a whole session: admin, tasks, attachments and errors', async () => {
    const user = await api.request('/admin/users', json('POST', { email: 'flow@example.com', name: 'Flow' }, ADMIN_TOKEN));
    const { id: userId } = (await conforms('POST', '/admin/users', user, '/admin/users')) as { id: string };
    const issued = await api.request(`/admin/users/${userId}/tokens`, json('POST', { label: 'x' }, ADMIN_TOKEN));
    const { id: tokenId } = (await conforms('POST', '/admin/users/:userId/tokens', issued, '/admin/users/{userId}/tokens')) as {
      id: string;
    };

    const created = await api.request('/tasks', json('POST', { title: 'contract', dueDate: '2031-01-01' }));
    const task = (await conforms('POST', '/tasks', created, '/tasks')) as { id: string };
    await conforms('GET', '/tasks', await api.request('/tasks?limit=1', { token }), '/tasks');
    await conforms('GET', '/tasks (cached)', await api.request('/tasks?limit=1', { token }), '/tasks');
    await conforms('GET', `/tasks/${task.id}`, await api.request(`/tasks/${task.id}`, { token }), '/tasks/{id}');
    await conforms('PATCH', `/tasks/${task.id}`, await api.request(`/tasks/${task.id}`, json('PATCH', { done: true })), '/tasks/{id}');

    const png = await makePng(64, 48);
    const uploaded = await api.request(`/tasks/${task.id}/attachments`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: png,
      token,
    });
    const attachment = (await conforms('POST', 'upload', uploaded, '/tasks/{id}/attachments')) as { id: string };
    await conforms('GET', 'attachments', await api.request(`/tasks/${task.id}/attachments`, { token }), '/tasks/{id}/attachments');
    const original = await api.request(`/tasks/${task.id}/attachments/${attachment.id}`, { token });
    await conforms('GET', 'original', original, '/tasks/{id}/attachments/{attachmentId}');

    // Errors: 400 with fields, 401, 404, 409, 415, 413.
    await conforms('POST', 'bad body', await api.request('/tasks', json('POST', { title: '' })), '/tasks');
    await conforms('GET', 'no token', await api.request('/tasks'), '/tasks');
    await conforms('GET', 'missing', await api.request('/tasks/00000000-0000-4000-8000-000000000000', { token }), '/tasks/{id}');
    await conforms(
      'POST',
      'dup',
      await api.request('/admin/users', json('POST', { email: 'flow@example.com', name: 'F' }, ADMIN_TOKEN)),
      '/admin/users',
    );
    const junk = await api.request(`/tasks/${task.id}/attachments`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: 'junk',
      token,
    });
    await conforms('POST', 'junk upload', junk, '/tasks/{id}/attachments');

    await conforms(
      'DELETE',
      'token',
      await api.request(`/admin/tokens/${tokenId}`, { method: 'DELETE', token: ADMIN_TOKEN }),
      '/admin/tokens/{tokenId}',
    );
    await conforms('DELETE', 'task', await api.request(`/tasks/${task.id}`, { method: 'DELETE', token }), '/tasks/{id}');
    await conforms('GET', 'healthz', await api.request('/healthz'), '/healthz');
    await conforms('GET', 'readyz', await api.request('/readyz'), '/readyz');
    await conforms('GET', 'metrics', await api.request('/metrics'), '/metrics');
  });
});
