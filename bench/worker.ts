/**
 * Resize throughput: images per second through the queue (one worker process)
 * versus a bare `sharp` loop rendering the same thumbnails of the same images.
 * Prints the ratio (target >= 0.9). Loopback only, bounded in time.
 *
 * Fair by construction: the same images, widths and WebP quality; the bare
 * loop runs as many images at once as the worker runs jobs (JOB_CONCURRENCY),
 * and is measured both as one sharp pipeline per width (the obvious way) and
 * with the worker's own renderThumbnails, so a cheaper pipeline alone cannot
 * pass for low queue overhead: the ratio is against the faster of the two.
 * Both sides are warmed up; the queue's time runs from the enqueue to the
 * last job's completion, both read from PostgreSQL's clock. The machine is
 * shared and noisy, so each round measures all three back to back, in a
 * rotating order, and the medians are reported.
 *
 *   npx tsx bench/worker.ts [--images 40] [--concurrency 2] [--rounds 3]
 */
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createTestDatabase, spawnService, waitFor } from '../services/test-support/fixtures';
import { startPostgres } from '../services/test-support/postgres';
import { freePort } from '../services/test-support/servers';
import { renderThumbnails } from '../services/worker/src/resize';

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '40' },
    concurrency: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
  },
});
const count = Math.min(Number(args.images), 200);
const concurrency = Number(args.concurrency);
const rounds = Math.max(1, Number(args.rounds));
const WARMUP = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const SIZES = [64, 256];

async function sampleImage(seed: number): Promise<Buffer> {
  // A photo-sized JPEG with detail, different per image.
  return sharp({
    create: { width: 1600, height: 1200, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 100 + seed, sigma: 30 } },
  })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** Images per second rendering every width of every image, `concurrency` images at a time. */
async function bareLoop(images: Buffer[], render: (image: Buffer) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < images.length) await render(images[next++]!);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return images.length / ((performance.now() - start) / 1000);
}

async function perWidth(image: Buffer): Promise<void> {
  for (const width of SIZES) {
    await sharp(image).rotate().resize({ width, withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
  }
}

const decodeOnce = (image: Buffer) => renderThumbnails(image, SIZES);

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
    JOB_CONCURRENCY: String(concurrency),
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
    await bareLoop(images.slice(0, WARMUP), perWidth);
    await bareLoop(images.slice(0, WARMUP), decodeOnce);

    const { rows: user } = await db.pool.query<{ id: string; task: string }>(
      `WITH u AS (INSERT INTO users (email, name) VALUES ('bench@example.com', 'b') RETURNING id)
       INSERT INTO tasks (user_id, title) SELECT id, 't' FROM u RETURNING user_id AS id, id AS task`,
    );
    // Originals are stored first (that is the upload's cost, not the queue's); the clock starts at enqueue.
    const { rows: attachments } = await db.pool.query<{ id: string }>(
      `INSERT INTO attachments (task_id, user_id, content_type, byte_size, width, height, data)
       SELECT $1, $2, 'image/jpeg', length(img), 1600, 1200, img FROM unnest($3::bytea[]) AS img RETURNING id`,
      [user[0]!.task, user[0]!.id, [...images.slice(0, WARMUP), ...images]],
    );
    const enqueue = (ids: string[]) =>
      db.pool.query(
        "INSERT INTO jobs (kind, payload) SELECT 'resize', jsonb_build_object('attachmentId', id) FROM unnest($1::text[]) AS id",
        [ids],
      );
    const drained = () =>
      waitFor(
        'the queue to drain',
        async () => {
          const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM jobs WHERE status <> 'done'");
          return rows[0].n === 0 ? true : undefined;
        },
        120_000,
      );
    // Warm-up jobs on their own attachments, as the bare loop is warmed up.
    await enqueue(attachments.slice(0, WARMUP).map((a) => a.id));
    await drained();
    const queueRound = async (): Promise<number> => {
      // Each round inserts its thumbnails afresh, as the first one does.
      await db.pool.query('DELETE FROM jobs');
      await db.pool.query('DELETE FROM thumbnails');
      await enqueue(attachments.slice(WARMUP).map((a) => a.id));
      await drained();
      // created_at is the enqueue's now(), finished_at the completing statement's: no polling lag on either end.
      const { rows: span } = await db.pool.query<{ seconds: number }>(
        'SELECT extract(epoch FROM max(finished_at) - min(created_at))::float8 AS seconds FROM jobs',
      );
      return count / span[0]!.seconds;
    };

    const runs = { queue: [] as number[], perWidth: [] as number[], decodeOnce: [] as number[], ratio: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      const steps: [keyof typeof runs, () => Promise<number>][] = [
        ['queue', queueRound],
        ['perWidth', () => bareLoop(images, perWidth)],
        ['decodeOnce', () => bareLoop(images, decodeOnce)],
      ];
      const measured: Partial<Record<keyof typeof runs, number>> = {};
      for (let i = 0; i < steps.length; i++) {
        const [name, measure] = steps[(i + round) % steps.length]!;
        measured[name] = await measure();
        runs[name].push(measured[name]);
      }
      runs.ratio.push(measured.queue! / Math.max(measured.perWidth!, measured.decodeOnce!));
    }
    const fmt = (xs: number[], digits = 1) => `${median(xs).toFixed(digits)} (runs ${xs.map((x) => x.toFixed(digits)).join(', ')})`;
    const ratio = median(runs.ratio);
    console.log(`images=${count} (1600x1200 JPEG) sizes=${SIZES.join(',')} webp q80 concurrency=${concurrency} rounds=${rounds}`);
    console.log(`queue (1 worker, JOB_CONCURRENCY=${concurrency}):      ${fmt(runs.queue)} images/s`);
    console.log(`bare sharp, one pipeline per width:    ${fmt(runs.perWidth)} images/s`);
    console.log(`bare sharp, worker's renderThumbnails: ${fmt(runs.decodeOnce)} images/s`);
    console.log(`ratio queue/faster bare, per round:    ${fmt(runs.ratio, 2)}`);
    console.log(`median ratio = ${ratio.toFixed(2)} (target >= 0.9) ${ratio >= 0.9 ? 'OK' : 'BELOW TARGET'}`);
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
