// The worker as a real process: kill -9 mid-job loses nothing; SIGTERM finishes the job, then exits.
import sharp from 'sharp';
import { createTestDatabase, spawnService, waitFor, type SpawnedService, type TestDatabase } from '../../test-support/fixtures';
import { freePort } from '../../test-support/servers';

let db: TestDatabase;
let image: Buffer;
const spawned: SpawnedService[] = [];
const SIZES = '64,128,256,512,768,1024';

beforeAll(async () => {
  db = await createTestDatabase();
  // Noise does not compress and is slow to decode: the job lasts long enough to be killed mid-way.
  image = await sharp({ create: { width: 2400, height: 1800, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .png({ compressionLevel: 1 })
    .toBuffer();
});
afterAll(async () => {
  for (const s of spawned) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  await db.drop();
});

async function enqueue(): Promise<{ attachmentId: string; jobId: string }> {
  const { rows } = await db.pool.query<{ id: string }>(
    `WITH u AS (INSERT INTO users (email, name) VALUES (gen_random_uuid() || '@example.com', 'p') RETURNING id),
          t AS (INSERT INTO tasks (user_id, title) SELECT id, 't' FROM u RETURNING id, user_id)
     INSERT INTO attachments (task_id, user_id, content_type, byte_size, width, height, data)
     SELECT id, user_id, 'image/png', $1, 2400, 1800, $2 FROM t RETURNING id`,
    [image.length, image],
  );
  const job = await db.pool.query<{ id: string }>(
    "INSERT INTO jobs (kind, payload) VALUES ('resize', jsonb_build_object('attachmentId', $1::text)) RETURNING id",
    [rows[0]!.id],
  );
  return { attachmentId: rows[0]!.id, jobId: job.rows[0]!.id };
}

async function startWorker(): Promise<{ worker: SpawnedService; port: number }> {
  const port = await freePort();
  const worker = spawnService('worker', [], {
    ...db.env,
    HTTP_PORT: String(port),
    THUMBNAIL_SIZES: SIZES,
    JOB_LEASE_SECONDS: '2',
    JOB_MAX_ATTEMPTS: '3',
    POLL_INTERVAL_MS: '50',
    LOG_LEVEL: 'info',
  });
  spawned.push(worker);
  await waitFor('the worker to be ready', async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined;
    } catch {
      return undefined;
    }
  });
  return { worker, port };
}

const job = async (id: string) =>
  (await db.pool.query('SELECT status, attempts, locked_by FROM jobs WHERE id = $1', [id])).rows[0] as {
    status: string;
    attempts: number;
    locked_by: string;
  };
const thumbnailCount = async (attachmentId: string) =>
  (await db.pool.query('SELECT count(*)::int AS n FROM thumbnails WHERE attachment_id = $1', [attachmentId])).rows[0].n;

test('a worker killed with SIGKILL mid-job loses nothing: another re-claims it after the lease and completes it once', async () => {
  const first = await startWorker();
  const { attachmentId, jobId } = await enqueue();
  await waitFor('the first worker to claim the job', async () => ((await job(jobId)).status === 'running' ? true : undefined));
  first.worker.child.kill('SIGKILL');
  expect(await first.worker.exited).toEqual({ code: null, signal: 'SIGKILL' });
  const orphan = await job(jobId);
  expect(orphan).toMatchObject({ status: 'running', attempts: 1 });
  expect(await thumbnailCount(attachmentId)).toBe(0);

  const second = await startWorker();
  await waitFor('the second worker to finish the job', async () => ((await job(jobId)).status === 'done' ? true : undefined));
  const done = await job(jobId);
  expect(done.attempts).toBe(2);
  expect(done.locked_by).not.toBe(orphan.locked_by);
  expect(await thumbnailCount(attachmentId)).toBe(SIZES.split(',').length);

  const metrics = await (await fetch(`http://127.0.0.1:${second.port}/metrics`)).text();
  expect(metrics).toMatch(/^tasknote_worker_jobs_total\{outcome="done"\} 1$/m);
  expect(metrics).toMatch(/^tasknote_worker_queue_jobs\{status="done"\} 1$/m);
  second.worker.child.kill('SIGTERM');
  expect(await second.worker.exited).toEqual({ code: 0, signal: null });
});

test('on SIGTERM the worker finishes its current job, then exits 0', async () => {
  const { worker } = await startWorker();
  const { attachmentId, jobId } = await enqueue();
  await waitFor('the worker to claim the job', async () => ((await job(jobId)).status === 'running' ? true : undefined));
  worker.child.kill('SIGTERM');
  expect(await worker.exited).toEqual({ code: 0, signal: null });
  expect(await job(jobId)).toMatchObject({ status: 'done', attempts: 1 });
  expect(await thumbnailCount(attachmentId)).toBe(SIZES.split(',').length);
  expect(worker.output()).toContain('worker stopped');
});
