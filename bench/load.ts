/**
 * Mixed load through the real API (autocannon): list, create, update and upload, at twice the
 * concurrency of bench/api.ts, for 30 s. Prints errors (goal 0), p50 and p99; then the write-path
 * ratio: POST /tasks against a bare `pg` loop running the same INSERT at the same concurrency
 * (goal >= 0.5), measured side by side in this run. Loopback only, bounded in time; not a test.
 *
 *   npx tsx bench/load.ts [--connections 20] [--seconds 30] [--write-seconds 10]
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { makePng } from '../services/test-support/fixtures';
import { startBenchApi } from './api-harness';
import { TASK_COLUMNS } from '../services/api/src/tasks';

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '30' },
    'write-seconds': { type: 'string', default: '10' },
  },
});
const connections = Number(args.connections);
const seconds = Math.min(Number(args.seconds), 60);
const writeSeconds = Math.min(Number(args['write-seconds']), 30);

/** The statement POST /tasks runs (routes/tasks.ts), with the same parameters. */
const INSERT = `INSERT INTO tasks (user_id, title, notes, due_date, done, completed_at)
  VALUES ($1, $2, $3, $4, $5, CASE WHEN $5 THEN now() END) RETURNING ${TASK_COLUMNS}`;

async function bareInsertLoop(pool: Pool, userId: string): Promise<{ rps: number; p99: number }> {
  const latencies: number[] = [];
  const deadline = Date.now() + writeSeconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < deadline) {
        const start = process.hrtime.bigint();
        await pool.query(INSERT, [userId, 'bench write', 'n'.repeat(100), '2031-01-01', false]);
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / writeSeconds, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
}

async function main(): Promise<void> {
  const { base, token, userId, db, stop } = await startBenchApi('load@example.com');
  try {
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO tasks (user_id, title, notes, due_date)
       SELECT $1, 'task ' || i, repeat('n', 100), current_date + i FROM generate_series(1, 500) i RETURNING id`,
      [userId],
    );
    const ids = rows.map((r) => r.id);
    const png = await makePng(64, 48);
    const auth = { authorization: `Bearer ${token}` };
    const json = { ...auth, 'content-type': 'application/json' };
    let n = 0;
    const pick = () => ids[n++ % ids.length]!;

    // The mix, per connection in turn: 4 lists, 2 creates, 2 updates, 1 upload (44/22/22/11 %).
    const mix: autocannon.Request[] = [
      { method: 'GET', path: '/tasks', headers: auth },
      { method: 'POST', path: '/tasks', headers: json, body: JSON.stringify({ title: 'load create', notes: 'n'.repeat(100) }) },
      { method: 'GET', path: '/tasks?limit=50', headers: auth },
      {
        method: 'PATCH',
        headers: json,
        setupRequest: (r) => ({ ...r, path: `/tasks/${pick()}`, body: JSON.stringify({ done: n % 2 === 0 }) }),
      },
      { method: 'GET', path: '/tasks?done=false', headers: auth },
      {
        method: 'POST',
        headers: { ...auth, 'content-type': 'image/png' },
        setupRequest: (r) => ({ ...r, path: `/tasks/${pick()}/attachments`, body: png }),
      },
      { method: 'GET', path: '/tasks', headers: auth },
      { method: 'POST', path: '/tasks', headers: json, body: JSON.stringify({ title: 'load create 2', dueDate: '2031-02-03' }) },
      {
        method: 'PATCH',
        headers: json,
        setupRequest: (r) => ({ ...r, path: `/tasks/${pick()}`, body: JSON.stringify({ title: `renamed ${n}` }) }),
      },
    ];
    const mixed = await autocannon({ url: base, connections, duration: seconds, requests: mix });
    const errors = mixed.non2xx + mixed.errors + mixed.timeouts;

    // Write path, side by side: the API's POST /tasks, then the bare INSERT, same concurrency.
    const pool = new Pool({ ...db.config, max: connections });
    await bareInsertLoop(pool, userId).catch(() => undefined);
    const bare = await bareInsertLoop(pool, userId);
    await pool.end();
    const writes = await autocannon({
      url: `${base}/tasks`,
      connections,
      duration: writeSeconds,
      method: 'POST',
      headers: json,
      body: JSON.stringify({ title: 'bench write', notes: 'n'.repeat(100), dueDate: '2031-01-01' }),
    });
    const writeErrors = writes.non2xx + writes.errors + writes.timeouts;
    const ratio = writes.requests.average / bare.rps;

    console.log(
      `mixed load: connections=${connections} (2x bench/api.ts) seconds=${seconds}; per connection 4 list : 2 create : 2 update : 1 upload (64x48 PNG)`,
    );
    console.log(`  requests ${mixed.requests.total} (${mixed.requests.average.toFixed(0)} req/s)`);
    console.log(
      `  errors = ${errors} (non-2xx ${mixed.non2xx}, errors ${mixed.errors}, timeouts ${mixed.timeouts}) (goal 0) ${errors === 0 ? 'OK' : 'ABOVE GOAL'}`,
    );
    console.log(`  latency p50 ${mixed.latency.p50} ms, p99 ${mixed.latency.p99} ms`);
    console.log(`write path: connections=${connections} seconds=${writeSeconds}`);
    console.log(`  api POST /tasks:  ${writes.requests.average.toFixed(0)} req/s, p99 ${writes.latency.p99} ms, errors ${writeErrors}`);
    console.log(`  bare pg INSERT:   ${bare.rps.toFixed(0)} q/s,   p99 ${bare.p99.toFixed(2)} ms`);
    console.log(`  ratio api/bare = ${ratio.toFixed(2)} (goal >= 0.5) ${ratio >= 0.5 && writeErrors === 0 ? 'OK' : 'BELOW GOAL'}`);
  } finally {
    await stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
