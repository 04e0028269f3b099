/**
 * Resize throughput: images per second through the queue (one worker process)
 * versus a bare `sharp` loop rendering the same thumbnails of the same images.
 * Goal (#13): the ratio queue / faster bare pipeline >= 0.95 as a median, and
 * no round below 0.85; every round is printed. Loopback only, bounded in time.
 *
 * A fourth measurement separates the queue's own cost from the storage's: a
 * bare loop that also reads each original from PostgreSQL (the worker's COPY)
 * and writes its thumbnails back (the worker's INSERT), without the queue.
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
 *   npx tsx bench/worker.ts [--images 100] [--concurrency 2] [--rounds 5]
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import sharp from 'sharp';
import { createTestDatabase, spawnService, waitFor } from '../services/test-support/fixtures';
import { startPostgres } from '../services/test-support/postgres';
import { freePort, useServers } from '../services/test-support/servers';
import { copyColumn } from '../services/worker/src/bytea';
import { renderThumbnails } from '../services/worker/src/resize';

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '5' },
    /** Run the worker's TypeScript through tsx instead of compiling it first (slower: not how the image runs). */
    tsx: { type: 'boolean', default: false },
  },
});
const count = Math.min(Number(args.images), 200);
const concurrency = Number(args.concurrency);
const rounds = Math.max(1, Number(args.rounds));
const WARMUP = 3;

function spawnCompiledWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, ['services/worker/build/main.js'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited };
}

/** CPU seconds a process has used (all its threads), from /proc; 0 when it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

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
  useServers(pg);
  const db = await createTestDatabase();
  const images = await Promise.all(Array.from({ length: count }, (_, i) => sampleImage(i % 50)));
  const port = await freePort();
  // As the image runs it: compiled JavaScript (services/worker/build, like the image's dist), not tsx.
  const compiled = !args.tsx;
  if (compiled)
    execFileSync(process.execPath, [
      require.resolve('typescript/bin/tsc'),
      '-p',
      'services/worker/tsconfig.build.json',
      '--outDir',
      'services/worker/build',
    ]);
  const worker = (compiled ? spawnCompiledWorker : (env: Record<string, string>) => spawnService('worker', [], env))({
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
    /** CPU seconds per image, by where they were spent, summed over the rounds. */
    const cpu = { queueWorker: 0, queuePostgres: 0, bare: 0, queueImages: 0, postgresImages: 0, bareImages: 0 };
    const workerBackends = async () =>
      (await db.pool.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'tasknote-worker'")).rows.map(
        (r) => r.pid,
      );
    const queueRound = async (): Promise<number> => {
      // Each round inserts its thumbnails afresh, as the first one does.
      await db.pool.query('DELETE FROM jobs');
      await db.pool.query('DELETE FROM thumbnails');
      const backends = await workerBackends();
      const pgBefore = backends.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
      const workerBefore = cpuSeconds(worker.child.pid!);
      await enqueue(attachments.slice(WARMUP).map((a) => a.id));
      await drained();
      cpu.queueWorker += cpuSeconds(worker.child.pid!) - workerBefore;
      cpu.queueImages += count;
      // PostgreSQL's share only when the worker kept the same connections (their pids) for the whole round.
      const after = await workerBackends();
      if (after.join() === backends.join()) {
        cpu.queuePostgres += after.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - pgBefore;
        cpu.postgresImages += count;
      }
      // created_at is the enqueue's now(), finished_at the completing statement's: no polling lag on either end.
      const { rows: span } = await db.pool.query<{ seconds: number }>(
        'SELECT extract(epoch FROM max(finished_at) - min(created_at))::float8 AS seconds FROM jobs',
      );
      return count / span[0]!.seconds;
    };

    // Storage without the queue: the worker's read of the original and write of the thumbnails, around the same render.
    const storagePool = new Pool({ ...db.config, max: concurrency });
    const roundIds = attachments.slice(WARMUP).map((a) => a.id);
    const storageRound = async (): Promise<number> => {
      await db.pool.query('DELETE FROM thumbnails');
      const start = performance.now();
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < roundIds.length) {
          const id = roundIds[next++]!;
          const client = await storagePool.connect();
          try {
            const [original] = await copyColumn(client, `SELECT data FROM attachments WHERE id = '${id}'::uuid`);
            const thumbnails = await renderThumbnails(original!, SIZES);
            await client.query(
              `INSERT INTO thumbnails (attachment_id, width, height, content_type, data)
               SELECT $1::uuid, t.width, t.height, t.content_type, t.data
               FROM unnest($2::int[], $3::int[], $4::text[], $5::bytea[]) AS t(width, height, content_type, data)
               ON CONFLICT (attachment_id, width) DO UPDATE SET data = EXCLUDED.data`,
              [
                id,
                thumbnails.map((t) => t.width),
                thumbnails.map((t) => t.height),
                thumbnails.map((t) => t.contentType),
                thumbnails.map((t) => t.data),
              ],
            );
          } finally {
            client.release();
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, lane));
      return roundIds.length / ((performance.now() - start) / 1000);
    };
    await storageRound();

    const runs = {
      queue: [] as number[],
      perWidth: [] as number[],
      decodeOnce: [] as number[],
      storage: [] as number[],
      ratio: [] as number[],
      queueOverStorage: [] as number[],
      storageOverBare: [] as number[],
    };
    for (let round = 0; round < rounds; round++) {
      const steps: [keyof typeof runs, () => Promise<number>][] = [
        ['queue', queueRound],
        ['perWidth', () => bareLoop(images, perWidth)],
        [
          'decodeOnce',
          async () => {
            const before = process.cpuUsage();
            const rate = await bareLoop(images, decodeOnce);
            const used = process.cpuUsage(before);
            cpu.bare += (used.user + used.system) / 1e6;
            cpu.bareImages += images.length;
            return rate;
          },
        ],
        ['storage', storageRound],
      ];
      const measured: Partial<Record<keyof typeof runs, number>> = {};
      for (let i = 0; i < steps.length; i++) {
        const [name, measure] = steps[(i + round) % steps.length]!;
        measured[name] = await measure();
        runs[name].push(measured[name]);
      }
      const bare = Math.max(measured.perWidth!, measured.decodeOnce!);
      runs.ratio.push(measured.queue! / bare);
      runs.queueOverStorage.push(measured.queue! / measured.storage!);
      runs.storageOverBare.push(measured.storage! / bare);
      console.log(
        `round ${round + 1}: queue ${measured.queue!.toFixed(1)}, per-width ${measured.perWidth!.toFixed(1)}, renderThumbnails ${measured.decodeOnce!.toFixed(1)}, ` +
          `bare+storage ${measured.storage!.toFixed(1)} images/s; ratio ${runs.ratio[round]!.toFixed(2)}`,
      );
    }
    await storagePool.end();
    const fmt = (xs: number[], digits = 1) => `${median(xs).toFixed(digits)} (runs ${xs.map((x) => x.toFixed(digits)).join(', ')})`;
    const ratio = median(runs.ratio);
    console.log(`images=${count} (1600x1200 JPEG) sizes=${SIZES.join(',')} webp q80 concurrency=${concurrency} rounds=${rounds}`);
    console.log(`queue (1 worker, JOB_CONCURRENCY=${concurrency}):      ${fmt(runs.queue)} images/s`);
    console.log(`bare sharp, one pipeline per width:    ${fmt(runs.perWidth)} images/s`);
    console.log(`bare sharp, worker's renderThumbnails: ${fmt(runs.decodeOnce)} images/s`);
    console.log(`bare sharp + PostgreSQL storage:       ${fmt(runs.storage)} images/s (read original by COPY, write thumbnails; no queue)`);
    console.log(`ratio queue/faster bare, per round:    ${fmt(runs.ratio, 2)}`);
    console.log(`  of which storage (bare+storage/bare): ${fmt(runs.storageOverBare, 2)}`);
    console.log(`  and the queue itself (queue/bare+storage): ${fmt(runs.queueOverStorage, 2)}`);
    const perImage = (seconds: number, images: number) => (seconds / Math.max(images, 1)) * 1000;
    const bareCpu = perImage(cpu.bare, cpu.bareImages);
    const workerCpu = perImage(cpu.queueWorker, cpu.queueImages);
    const pgCpu = perImage(cpu.queuePostgres, cpu.postgresImages);
    console.log(
      `CPU per image: bare renderThumbnails ${bareCpu.toFixed(1)} ms; queue ${(workerCpu + pgCpu).toFixed(1)} ms = worker process ${workerCpu.toFixed(1)} ms ` +
        `+ its PostgreSQL backends ${pgCpu.toFixed(1)} ms (claim, COPY of the original, completion with the thumbnails; over ${cpu.postgresImages} images)`,
    );
    console.log(`  CPU-bound ceiling of the ratio (bare CPU / queue CPU per image) = ${(bareCpu / (workerCpu + pgCpu)).toFixed(2)}`);
    const lowest = Math.min(...runs.ratio);
    const ok = ratio >= 0.95 && lowest >= 0.85;
    console.log(
      `median ratio = ${ratio.toFixed(2)} (goal >= 0.95), lowest round ${lowest.toFixed(2)} (goal >= 0.85) ${ok ? 'OK' : 'BELOW GOAL'}`,
    );
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
