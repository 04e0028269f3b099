/**
 * Task listing throughput: GET /tasks through the real API (autocannon) versus a
 * bare `pg` loop running the same query at the same concurrency. Prints the
 * ratio (target >= 0.5) and p99 latencies. Loopback only, bounded in time.
 *
 *   npx tsx bench/api.ts [--connections 10] [--seconds 5]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { startBenchApi } from './api-harness';
import { listQuerySchema, listTasksQuery } from '../services/api/src/tasks';

const { values: args } = parseArgs({
  options: { connections: { type: 'string', default: '10' }, seconds: { type: 'string', default: '5' } },
});
const connections = Number(args.connections);
const seconds = Math.min(Number(args.seconds), 30);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function rawLoop(pool: Pool, text: string, values: unknown[]): Promise<{ rps: number; p99: number }> {
  const latencies: number[] = [];
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < deadline) {
        const start = process.hrtime.bigint();
        await pool.query(text, values);
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / seconds, p99: percentile(latencies, 99) };
}

/** A process's peak resident set (VmHWM) so far, from Linux's /proc; undefined elsewhere. */
function peakRssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) / 1024;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const { base, token, userId, db, api, stop } = await startBenchApi('bench@example.com');
  try {
    await db.pool.query(
      `INSERT INTO tasks (user_id, title, notes, due_date)
       SELECT $1, 'task ' || i, repeat('n', 100), current_date + i FROM generate_series(1, 500) i`,
      [userId],
    );

    const query = listQuerySchema.parse({});
    const { text, values } = listTasksQuery(userId, query);
    const pool = new Pool({ ...db.config, max: connections });
    await rawLoop(pool, text, values).catch(() => undefined);
    const raw = await rawLoop(pool, text, values);
    await pool.end();

    const result = await autocannon({
      url: `${base}/tasks`,
      connections,
      duration: seconds,
      headers: { authorization: `Bearer ${token}` },
    });
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`the API answered ${result.non2xx} non-2xx responses and ${result.errors} errors`);
    }
    const apiRps = result.requests.average;
    const ratio = apiRps / raw.rps;
    console.log(`connections=${connections} seconds=${seconds} (limit 20 of 500 tasks)`);
    console.log(`api  GET /tasks: ${apiRps.toFixed(0)} req/s, p99 ${result.latency.p99} ms`);
    console.log(`raw  pg query:   ${raw.rps.toFixed(0)} q/s,   p99 ${raw.p99.toFixed(2)} ms`);
    console.log(`ratio api/raw = ${ratio.toFixed(2)} (target >= 0.5) ${ratio >= 0.5 ? 'OK' : 'BELOW TARGET'}`);
    const peak = peakRssMiB(api.child.pid);
    console.log(
      `api peak RSS under this load: ${peak === undefined ? 'n/a (no /proc)' : `${peak.toFixed(0)} MiB`} (run through tsx; no target)`,
    );
  } finally {
    await stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
