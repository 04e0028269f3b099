/**
 * The resize queue in PostgreSQL (table `jobs`, created by the api migrations).
 *
 * A claim takes the oldest runnable job with FOR UPDATE SKIP LOCKED and leases
 * it with a fresh token; a job whose lease expired (its worker died) is
 * runnable again. Every later write is fenced by that token, so a worker that
 * lost its lease can never complete or fail the job under the new owner.
 */
import type { Pool } from 'pg';

export interface ClaimedJob {
  id: string;
  kind: string;
  payload: unknown;
  attempts: number;
  leaseToken: string;
}

export interface QueueOptions {
  workerId: string;
  leaseSeconds: number;
  maxAttempts: number;
  backoffBaseMs: number;
}

const MAX_BACKOFF_MS = 3_600_000;

export function backoffMs(attempts: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** (attempts - 1), MAX_BACKOFF_MS);
}

export class JobQueue {
  constructor(
    private readonly pool: Pool,
    private readonly options: QueueOptions,
  ) {}

  /**
   * Claims the next job, or returns null. A job that has used up its attempts
   * by leases expiring (its workers were killed) is marked failed here.
   */
  async claim(): Promise<ClaimedJob | null> {
    for (;;) {
      const { rows } = await this.pool.query<{
        id: string;
        kind: string;
        payload: unknown;
        attempts: number;
        lease_token: string;
      }>({
        // Named: each connection parses and plans the claim once, not once per job.
        name: 'worker-claim',
        text: `WITH next AS (
           SELECT id FROM jobs
           WHERE (status = 'queued' AND run_at <= now()) OR (status = 'running' AND locked_until < now())
           ORDER BY run_at, id
           LIMIT 1
           FOR UPDATE SKIP LOCKED
         )
         UPDATE jobs j SET status = 'running', attempts = j.attempts + 1, lease_token = gen_random_uuid(),
           locked_by = $1, locked_until = now() + make_interval(secs => $2), updated_at = now()
         FROM next WHERE j.id = next.id
         RETURNING j.id, j.kind, j.payload, j.attempts, j.lease_token`,
        values: [this.options.workerId, this.options.leaseSeconds],
      });
      const row = rows[0];
      if (row === undefined) return null;
      const job: ClaimedJob = {
        id: row.id,
        kind: row.kind,
        payload: row.payload,
        attempts: row.attempts,
        leaseToken: row.lease_token,
      };
      if (job.attempts <= this.options.maxAttempts) return job;
      await this.fail(job, new Error(`lease expired on each of ${this.options.maxAttempts} attempts; the workers running it died`));
    }
  }

  /** Extends the lease; false when the lease was lost. */
  async heartbeat(job: ClaimedJob): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE jobs SET locked_until = now() + make_interval(secs => $3), updated_at = now()
       WHERE id = $1 AND lease_token = $2 AND status = 'running'`,
      [job.id, job.leaseToken, this.options.leaseSeconds],
    );
    return rowCount === 1;
  }

  /**
   * Marks the job done; false when the lease was lost. `write` (an INSERT or
   * UPDATE whose parameters start at $3) runs in the same statement, so it is
   * atomic with the completion without a transaction's extra round trips; it
   * must apply only `WHERE EXISTS (SELECT 1 FROM done)`, i.e. while the lease is held.
   * `write.name` names the prepared statement: one name per distinct `sql`.
   */
  async complete(job: ClaimedJob, write?: { name: string; sql: string; params: unknown[] }): Promise<boolean> {
    const { rows } = await this.pool.query<{ n: number }>({
      name: write === undefined ? 'worker-complete' : `worker-complete-${write.name}`,
      text: `WITH done AS (
         UPDATE jobs SET status = 'done', finished_at = now(), updated_at = now(), locked_until = NULL, last_error = NULL
         WHERE id = $1 AND lease_token = $2 AND status = 'running'
         RETURNING id
       )${write === undefined ? '' : `, write AS (${write.sql})`}
       SELECT count(*)::int AS n FROM done`,
      values: [job.id, job.leaseToken, ...(write?.params ?? [])],
    });
    return rows[0]?.n === 1;
  }

  /** Requeues with exponential backoff, or marks failed after the last attempt. Returns the new status. */
  async fail(job: ClaimedJob, error: Error): Promise<'queued' | 'failed' | 'lost'> {
    const final = job.attempts >= this.options.maxAttempts;
    const { rowCount } = await this.pool.query(
      `UPDATE jobs SET status = $3, last_error = $4, updated_at = now(), locked_until = NULL,
         run_at = CASE WHEN $3 = 'queued' THEN now() + make_interval(secs => $5) ELSE run_at END,
         finished_at = CASE WHEN $3 = 'failed' THEN now() END
       WHERE id = $1 AND lease_token = $2 AND status = 'running'`,
      [
        job.id,
        job.leaseToken,
        final ? 'failed' : 'queued',
        (error.stack ?? error.message).slice(0, 4000),
        backoffMs(job.attempts, this.options.backoffBaseMs) / 1000,
      ],
    );
    if (rowCount !== 1) return 'lost';
    return final ? 'failed' : 'queued';
  }

  async depth(): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM jobs GROUP BY status');
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}
