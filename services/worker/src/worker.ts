// The claim-process loop: one job at a time, with a heartbeat that keeps the lease while it runs.
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Metrics } from './metrics';
import { JobQueue, type ClaimedJob } from './queue';
import { renderThumbnails, saveThumbnails } from './resize';

export interface WorkerOptions {
  pool: Pool;
  queue: JobQueue;
  logger: Logger;
  metrics: Metrics;
  thumbnailSizes: readonly number[];
  leaseSeconds: number;
  pollIntervalMs: number;
}

export class Worker {
  private stopping = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: WorkerOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Stops claiming; resolves once the current job, if any, is finished. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { queue, logger, pollIntervalMs } = this.options;
    while (!this.stopping) {
      let job: ClaimedJob | null;
      try {
        job = await queue.claim();
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'claiming a job failed');
        await this.idle(pollIntervalMs);
        continue;
      }
      if (job === null) {
        await this.idle(pollIntervalMs);
        continue;
      }
      await this.process(job);
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async process(job: ClaimedJob): Promise<void> {
    const { queue, logger, metrics, leaseSeconds } = this.options;
    const log = logger.child({ jobId: job.id, kind: job.kind, attempt: job.attempts });
    const endTimer = metrics.jobDuration.startTimer();
    const heartbeat = setInterval(() => {
      queue.heartbeat(job).then(
        (held) => held || log.warn('lease lost while processing'),
        (err: unknown) => log.warn({ err: (err as Error).message }, 'lease heartbeat failed'),
      );
    }, (leaseSeconds * 1000) / 3);
    try {
      const completed = await this.execute(job);
      metrics.jobs.inc({ outcome: completed ? 'done' : 'lost' });
      if (completed) log.info('job done');
      else log.warn('job finished after its lease was lost; the new owner completes it');
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      try {
        const status = await queue.fail(job, error);
        metrics.jobs.inc({ outcome: status === 'queued' ? 'retried' : status });
        log[status === 'failed' ? 'error' : 'warn']({ err: error.message, status }, 'job failed');
      } catch (failErr) {
        log.error({ err: (failErr as Error).message }, 'recording a job failure failed; the lease will expire');
      }
    } finally {
      clearInterval(heartbeat);
      endTimer();
    }
  }

  /** Returns false when the lease was lost before the result could be committed. */
  private async execute(job: ClaimedJob): Promise<boolean> {
    if (job.kind !== 'resize') throw new Error(`unknown job kind '${job.kind}'`);
    const attachmentId = (job.payload as { attachmentId?: unknown }).attachmentId;
    if (typeof attachmentId !== 'string') throw new Error('payload.attachmentId: must be a string');
    const { pool, queue, thumbnailSizes } = this.options;
    const { rows } = await pool.query<{ data: Buffer }>('SELECT data FROM attachments WHERE id = $1', [attachmentId]);
    const thumbnails = rows[0] === undefined ? [] : await renderThumbnails(rows[0].data, thumbnailSizes);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // A deleted attachment leaves nothing to do; the job still completes.
      if (thumbnails.length > 0) await saveThumbnails(client, attachmentId, thumbnails);
      const completed = await queue.complete(client, job);
      await client.query(completed ? 'COMMIT' : 'ROLLBACK');
      return completed;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
