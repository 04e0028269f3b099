// Uploads are decoded completely, within a pixel limit, before they are accepted; the API reports thumbnail status.
import { crc32 } from 'node:zlib';
import pino from 'pino';
import sharp from 'sharp';
import { createMetrics as createWorkerMetrics } from '../../worker/src/metrics';
import { JobQueue } from '../../worker/src/queue';
import { Worker } from '../../worker/src/worker';
import { createTestDatabase, startTestApi, waitFor, type TestApi, type TestDatabase } from '../../test-support/fixtures';

let db: TestDatabase;
let api: TestApi;
let small: TestApi;
let token: string;
let taskId: string;

const SMALL_LIMIT = 50_000;
const FORMATS = ['png', 'jpeg', 'webp', 'gif'] as const;
type Format = (typeof FORMATS)[number];

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db);
  small = await startTestApi(db, { maxUploadPixels: SMALL_LIMIT });
  ({ token } = await api.createUser('uploads@example.com'));
  const res = await api.request('/tasks', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'pictures' }),
    token,
  });
  taskId = ((await res.json()) as { id: string }).id;
});
afterAll(async () => {
  await api.close();
  await small.close();
  await db.drop();
});

const upload = (body: Uint8Array, contentType: string, via = api) =>
  via.request(`/tasks/${taskId}/attachments`, { method: 'POST', headers: { 'content-type': contentType }, body, token });

/** A detailed image (noise does not compress), so that a cut or a flipped byte lands in pixel data. */
function image(format: Format, width = 300, height = 200): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 100, sigma: 30 } } })
    [format]()
    .toBuffer();
}

async function storedCount(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM attachments');
  return rows[0]!.n;
}

interface AttachmentBody {
  id: string;
  width: number;
  height: number;
  thumbnails: { width: number }[];
  thumbnailStatus: string;
  thumbnailError: string | null;
}

test.each(FORMATS)('a complete %s is accepted', async (format) => {
  const res = await upload(await image(format), `image/${format}`);
  expect(res.status).toBe(201);
  expect(((await res.json()) as AttachmentBody).thumbnailStatus).toBe('pending');
});

test.each(FORMATS)('a truncated %s is refused with a 4xx that says why, and nothing is stored', async (format) => {
  const before = await storedCount();
  const whole = await image(format);
  const res = await upload(whole.subarray(0, Math.floor(whole.length * 0.6)), `image/${format}`);
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(((await res.json()) as { message: string }).message).toMatch(/^body: .*(damaged or truncated|not a readable image)/);
  expect(await storedCount()).toBe(before);
});

// WebP's lossy bitstream carries no checksum: bytes overwritten in its middle still decode (to other pixels),
// so the worker can render it too. The other formats detect the damage (as libjpeg does a run of 0xFF bytes;
// some other patterns in JPEG entropy data decode without complaint, in the worker as well).
test.each(['png', 'jpeg', 'gif'] as const)('a %s corrupted in its pixel data is refused', async (format) => {
  const before = await storedCount();
  const corrupt = Buffer.from(await image(format));
  for (let i = Math.floor(corrupt.length / 2); i < Math.floor(corrupt.length / 2) + 200; i++) corrupt[i] = 0xff;
  const res = await upload(corrupt, `image/${format}`);
  expect([415, 422]).toContain(res.status);
  expect(((await res.json()) as { message: string }).message).toMatch(/^body: /);
  expect(await storedCount()).toBe(before);
});

test.each(FORMATS)('a %s over the pixel limit is a 413 naming its size and the limit', async (format) => {
  const res = await upload(await image(format, 300, 200), `image/${format}`, small);
  expect(res.status).toBe(413);
  expect(((await res.json()) as { message: string }).message).toBe(
    `body: the image is 300x200 (60000 pixels); at most ${SMALL_LIMIT} pixels are accepted`,
  );
});

test('the pixel limit counts every frame of an animation', async () => {
  const frame = (background: string) =>
    sharp({ create: { width: 100, height: 100, channels: 3, background } })
      .png()
      .toBuffer();
  const frames = await Promise.all(['#f00', '#0f0', '#00f', '#ff0', '#0ff', '#f0f'].map(frame));
  const gif = await sharp(frames, { join: { animated: true } })
    .gif()
    .toBuffer();
  // Each frame is 10000 pixels, well under the limit; together they are 60000.
  const res = await upload(gif, 'image/gif', small);
  expect(res.status).toBe(413);
  expect(((await res.json()) as { message: string }).message).toContain('60000 pixels over 6 frames');
});

test('a decompression bomb (a tiny PNG claiming 50000x50000) is refused before any decoding', async () => {
  // A valid 1x1 PNG whose header is rewritten to claim 2.5 gigapixels, with a correct header checksum.
  const png = Buffer.from(
    await sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } })
      .png()
      .toBuffer(),
  );
  png.writeUInt32BE(50_000, 16);
  png.writeUInt32BE(50_000, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  expect(png.length).toBeLessThan(200);
  const res = await upload(png, 'image/png');
  expect(res.status).toBe(413);
  expect(((await res.json()) as { message: string }).message).toContain('50000x50000 (2500000000 pixels); at most 40000000');
});

describe('thumbnail status', () => {
  async function runWorkerUntilIdle(maxAttempts: number): Promise<void> {
    const logger = pino({ level: 'silent' });
    const queue = new JobQueue(db.pool, { workerId: 'test', leaseSeconds: 30, maxAttempts, backoffBaseMs: 10 });
    const worker = new Worker({
      pool: db.pool,
      queue,
      logger,
      metrics: createWorkerMetrics(() => queue.depth()),
      thumbnailSizes: [64],
      leaseSeconds: 30,
      pollIntervalMs: 20,
    });
    worker.start();
    await waitFor('the queue to settle', async () => {
      const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs WHERE status IN ('queued', 'running')");
      return rows[0]!.n === 0 ? true : undefined;
    });
    await worker.stop();
  }

  const listed = async (id: string) => {
    const { items } = (await (await api.request(`/tasks/${taskId}/attachments`, { token })).json()) as { items: AttachmentBody[] };
    return items.find((a) => a.id === id)!;
  };

  test('pending after the upload, ready once the worker rendered, failed with the error when it could not', async () => {
    const good = (await (await upload(await image('png', 200, 100), 'image/png')).json()) as AttachmentBody;
    const bad = (await (await upload(await image('jpeg', 200, 100), 'image/jpeg')).json()) as AttachmentBody;
    expect((await listed(good.id)).thumbnailStatus).toBe('pending');
    // The stored original goes bad after it was accepted (storage damage): the worker's render fails.
    await db.pool.query('UPDATE attachments SET data = substring(data from 1 for 300) WHERE id = $1', [bad.id]);

    await runWorkerUntilIdle(1);

    const ready = await listed(good.id);
    expect(ready).toMatchObject({ thumbnailStatus: 'ready', thumbnailError: null, thumbnails: [{ width: 64 }] });
    const failed = await listed(bad.id);
    expect(failed.thumbnailStatus).toBe('failed');
    expect(failed.thumbnailError).toMatch(/jpeg|JPEG|premature|Input/);
    expect(failed.thumbnailError).not.toContain('\n');
    expect(failed.thumbnails).toEqual([]);
  });
});
