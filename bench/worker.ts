/**
 * Resize throughput: images per second through the queue (one worker process)
 * versus a bare `sharp` loop rendering the same thumbnails of the same images.
 * Prints the ratio (target >= 0.9). Loopback only, bounded in time.
 *
 *   npx tsx bench/worker.ts [--images 40]
 */
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createTestDatabase, spawnService, waitFor } from '../services/test-support/fixtures';
import { startPostgres } from '../services/test-support/postgres';
import { freePort } from '../services/test-support/servers';

const { values: args } = parseArgs({ options: { images: { type: 'string', default: '40' } } });
const count = Math.min(Number(args.images), 200);
const SIZES = [64, 256];

async function sampleImage(seed: number): Promise<Buffer> {
  // A photo-sized JPEG with detail, different per image.
  return sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 100 + seed, sigma: 30 } } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

async function bareLoop(images: Buffer[]): Promise<number> {
  const start = performance.now();
  for (const image of images) {
    for (const width of SIZES) {
      await sharp(image).rotate().resize({ width, withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
    }
  }
  return images.length / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const pg = await startPostgres();
  process.env.TASKNOTE_TEST_PG_PORT = String(pg.port);
  process.env.TASKNOTE_TEST_PG_USER = pg.user;
  process.env.TASKNOTE_TEST_PG_PASSWORD = pg.password;
  process.env.TASKNOTE_TEST_REDIS_PORT = '0';
  const db = await createTestDatabase();
  const images = await Promise.all(Array.from({ length: count }, (_, i) => sampleImage(i % 50)));
  const port = await freePort();
  const worker = spawnService('worker', [], {
    ...db.env,
    HTTP_PORT: String(port),
    THUMBNAIL_SIZES: SIZES.join(','),
    POLL_INTERVAL_MS: '20',
    LOG_LEVEL: 'warn',
  });
  try {
    await waitFor('the worker', async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined;
      } catch {
        return undefined;
      }
    });
    await bareLoop(images.slice(0, 3));
    const bare = await bareLoop(images);

    const { rows: user } = await db.pool.query<{ id: string; task: string }>(
      `WITH u AS (INSERT INTO users (email, name) VALUES ('bench@example.com', 'b') RETURNING id)
       INSERT INTO tasks (user_id, title) SELECT id, 't' FROM u RETURNING user_id AS id, id AS task`,
    );
    // Originals are stored first (that is the upload's cost, not the queue's); the clock starts at enqueue.
    await db.pool.query(
      `INSERT INTO attachments (task_id, user_id, content_type, byte_size, width, height, data)
       SELECT $1, $2, 'image/jpeg', length(img), 1600, 1200, img FROM unnest($3::bytea[]) AS img`,
      [user[0]!.task, user[0]!.id, images],
    );
    const start = performance.now();
    await db.pool.query(
      "INSERT INTO jobs (kind, payload) SELECT 'resize', jsonb_build_object('attachmentId', id) FROM attachments",
    );
    await waitFor(
      'the queue to drain',
      async () => {
        const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM jobs WHERE status <> 'done'");
        return rows[0].n === 0 ? true : undefined;
      },
      120_000,
    );
    const queued = count / ((performance.now() - start) / 1000);
    const ratio = queued / bare;
    console.log(`images=${count} (1600x1200 JPEG) sizes=${SIZES.join(',')}`);
    console.log(`queue (1 worker): ${queued.toFixed(1)} images/s`);
    console.log(`bare sharp loop:  ${bare.toFixed(1)} images/s`);
    console.log(`ratio queue/bare = ${ratio.toFixed(2)} (target >= 0.9) ${ratio >= 0.9 ? 'OK' : 'BELOW TARGET'}`);
  } finally {
    worker.child.kill('SIGTERM');
    await worker.exited;
    await db.drop();
    await pg.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
