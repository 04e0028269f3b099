import { createTestDatabase, makePng, silentLogger, waitFor, type TestDatabase } from '../../test-support/fixtures';
import { createMetrics } from '../src/metrics';
import { JobQueue, backoffMs } from '../src/queue';
import * as resize from '../src/resize';
import { Worker } from '../src/worker';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.pool.query('TRUNCATE jobs, users CASCADE');
});

const queue = (workerId: string, overrides: Partial<ConstructorParameters<typeof JobQueue>[1]> = {}) =>
  new JobQueue(db.pool, { workerId, leaseSeconds: 30, maxAttempts: 3, backoffBaseMs: 1, ...overrides });

async function attachment(image: Buffer): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(
    `WITH u AS (INSERT INTO users (email, name) VALUES (gen_random_uuid() || '@example.com', 'w') RETURNING id),
          t AS (INSERT INTO tasks (user_id, title) SELECT id, 't' FROM u RETURNING id, user_id)
     INSERT INTO attachments (task_id, user_id, content_type, byte_size, width, height, data)
     SELECT id, user_id, 'image/png', $1, 0, 0, $2 FROM t RETURNING id`,
    [image.length, image],
  );
  const id = rows[0]!.id;
  await db.pool.query("INSERT INTO jobs (kind, payload) VALUES ('resize', jsonb_build_object('attachmentId', $1::text))", [id]);
  return id;
}

const jobs = async () =>
  (await db.pool.query('SELECT status, attempts, last_error, locked_by FROM jobs ORDER BY id')).rows as {
    status: string;
    attempts: number;
    last_error: string | null;
    locked_by: string | null;
  }[];

test('backoff doubles per attempt and is capped at one hour', () => {
  expect([1, 2, 3, 4].map((a) => backoffMs(a, 1000))).toEqual([1000, 2000, 4000, 8000]);
  expect(backoffMs(40, 1000)).toBe(3_600_000);
});

test('concurrent claims never hand out the same job (FOR UPDATE SKIP LOCKED)', async () => {
  const png = await makePng(8, 8);
  for (let i = 0; i < 6; i++) await attachment(png);
  const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => queue(`w${i}`).claim()));
  const ids = claims.filter((c) => c !== null).map((c) => c!.id);
  expect(ids).toHaveLength(6);
  expect(new Set(ids).size).toBe(6);
});

test('a leased job is not re-claimed until its lease expires, then it is, with a new token', async () => {
  await attachment(await makePng(8, 8));
  const first = await queue('a', { leaseSeconds: 1 }).claim();
  expect(first).not.toBeNull();
  expect(await queue('b').claim()).toBeNull();
  await new Promise((r) => setTimeout(r, 1100));
  const second = await queue('b').claim();
  expect(second).toMatchObject({ id: first!.id, attempts: 2 });
  expect(second!.leaseToken).not.toBe(first!.leaseToken);
  // The first owner lost its lease: its heartbeat and failure reports are ignored.
  expect(await queue('a').heartbeat(first!)).toBe(false);
  expect(await queue('a').fail(first!, new Error('late'))).toBe('lost');
  expect((await jobs())[0]).toMatchObject({ status: 'running', locked_by: 'b' });
});

test('a failing job is retried with backoff, then marked failed with its error kept', async () => {
  // A PNG header on truncated data: readable metadata, undecodable pixels.
  const broken = (await makePng(64, 64)).subarray(0, 60);
  await attachment(broken);
  const metrics = createMetrics(async () => ({}));
  const worker = new Worker({
    pool: db.pool,
    queue: queue('retrier', { maxAttempts: 3, backoffBaseMs: 50 }),
    logger: silentLogger,
    metrics,
    thumbnailSizes: [32],
    leaseSeconds: 30,
    pollIntervalMs: 20,
  });
  worker.start();
  try {
    const [job] = await waitFor('the job to fail', async () => {
      const rows = await jobs();
      return rows[0]?.status === 'failed' ? rows : undefined;
    });
    expect(job!.attempts).toBe(3);
    expect(job!.last_error).toMatch(/\w/);
    const outcomes = Object.fromEntries((await metrics.jobs.get()).values.map((v) => [v.labels.outcome, v.value]));
    expect(outcomes).toEqual({ retried: 2, failed: 1 });
  } finally {
    await worker.stop();
  }
});

test('a job whose workers keep dying is failed once its attempts are used up', async () => {
  await attachment(await makePng(8, 8));
  await db.pool.query("UPDATE jobs SET status = 'running', attempts = 3, locked_until = now() - interval '1 second'");
  expect(await queue('c', { maxAttempts: 3 }).claim()).toBeNull();
  expect((await jobs())[0]).toMatchObject({ status: 'failed', attempts: 4 });
  expect((await jobs())[0]!.last_error).toContain('lease expired on each of 3 attempts');
});

test('a worker writes a thumbnail per configured width, never upscaling', async () => {
  const id = await attachment(await makePng(300, 150));
  const worker = new Worker({
    pool: db.pool,
    queue: queue('thumbs'),
    logger: silentLogger,
    metrics: createMetrics(async () => ({})),
    thumbnailSizes: [64, 256, 1024],
    leaseSeconds: 30,
    pollIntervalMs: 20,
  });
  worker.start();
  try {
    await waitFor('the job to finish', async () => ((await jobs())[0]?.status === 'done' ? true : undefined));
  } finally {
    await worker.stop();
  }
  const { rows } = await db.pool.query(
    'SELECT width AS requested, height, content_type, data FROM thumbnails WHERE attachment_id = $1 ORDER BY width',
    [id],
  );
  expect(rows.map((r) => [r.requested, r.height, r.content_type])).toEqual([
    [64, 32, 'image/webp'],
    [256, 128, 'image/webp'],
    [1024, 150, 'image/webp'],
  ]);
});

test('a worker holds at most its concurrency plus one claimed-ahead job and completes each once', async () => {
  const png = await makePng(400, 300);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(await attachment(png));
  const worker = new Worker({
    pool: db.pool,
    queue: queue('parallel'),
    logger: silentLogger,
    metrics: createMetrics(async () => ({})),
    thumbnailSizes: [64, 128],
    leaseSeconds: 30,
    pollIntervalMs: 20,
    concurrency: 3,
  });
  let peak = 0;
  worker.start();
  try {
    await waitFor('the jobs to finish', async () => {
      const rows = await jobs();
      peak = Math.max(peak, rows.filter((r) => r.status === 'running').length);
      return rows.every((r) => r.status === 'done') ? true : undefined;
    });
  } finally {
    await worker.stop();
  }
  expect(peak).toBeLessThanOrEqual(4);
  expect((await jobs()).map((j) => j.attempts)).toEqual([1, 1, 1, 1, 1]);
  const { rows } = await db.pool.query('SELECT attachment_id, width, height FROM thumbnails ORDER BY attachment_id, width');
  expect(rows).toHaveLength(10);
  expect(new Set(rows.map((r) => r.attachment_id))).toEqual(new Set(ids));
  expect(rows.filter((r) => r.width === 128).every((r) => r.height === 96)).toBe(true);
});

test('completing after the lease was lost writes nothing', async () => {
  const id = await attachment(await makePng(8, 8));
  const first = await queue('a', { leaseSeconds: 1 }).claim();
  await db.pool.query("UPDATE jobs SET lease_token = gen_random_uuid(), locked_by = 'b'");
  const write = {
    name: 'test',
    sql: "INSERT INTO thumbnails (attachment_id, width, height, content_type, data) SELECT $3::uuid, 8, 8, 'image/webp', '\\x00' WHERE EXISTS (SELECT 1 FROM done)",
    params: [id],
  };
  expect(await queue('a').complete(first!, write)).toBe(false);
  expect((await db.pool.query('SELECT count(*)::int AS n FROM thumbnails')).rows[0].n).toBe(0);
  expect((await jobs())[0]).toMatchObject({ status: 'running', locked_by: 'b' });
});

test('a job for a deleted attachment completes without thumbnails; a malformed id fails the job', async () => {
  const id = await attachment(await makePng(8, 8));
  await db.pool.query('DELETE FROM attachments WHERE id = $1', [id]);
  await db.pool.query("INSERT INTO jobs (kind, payload) VALUES ('resize', '{\"attachmentId\": \"not-a-uuid''\"}')");
  await runUntilJobsEnd('gone');
  const [deleted, malformed] = await jobs();
  expect(deleted).toMatchObject({ status: 'done' });
  expect(malformed).toMatchObject({ status: 'failed' });
  expect(malformed!.last_error).toMatch(/invalid input syntax for type uuid/);
});

test('an attachment deleted while its thumbnails render completes the job: nothing is left to write them for', async () => {
  const id = await attachment(await makePng(8, 8));
  // Forces the interleaving: the attachment goes after it was read and before the thumbnails are written.
  const render = jest.spyOn(resize, 'renderThumbnails');
  const real = render.getMockImplementation() ?? jest.requireActual<typeof resize>('../src/resize').renderThumbnails;
  let rendered = 0;
  render.mockImplementation(async (...args) => {
    rendered++;
    const thumbnails = await real(...args);
    await db.pool.query('DELETE FROM attachments WHERE id = $1', [id]);
    return thumbnails;
  });
  try {
    await runUntilJobsEnd('raced');
  } finally {
    render.mockRestore();
  }
  expect(rendered).toBe(1);
  const [job] = await jobs();
  expect(job).toMatchObject({ status: 'done', last_error: null });
  expect((await db.pool.query('SELECT count(*)::int AS n FROM thumbnails')).rows[0].n).toBe(0);
});

/** Runs a one-attempt worker with one thumbnail width until every job is done or failed. */
async function runUntilJobsEnd(workerId: string): Promise<void> {
  const worker = new Worker({
    pool: db.pool,
    queue: queue(workerId, { maxAttempts: 1 }),
    logger: silentLogger,
    metrics: createMetrics(async () => ({})),
    thumbnailSizes: [64],
    leaseSeconds: 30,
    pollIntervalMs: 20,
  });
  worker.start();
  try {
    await waitFor('the jobs to end', async () =>
      (await jobs()).every((j) => j.status === 'done' || j.status === 'failed') ? true : undefined,
    );
  } finally {
    await worker.stop();
  }
}
