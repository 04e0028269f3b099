// The claim-process loop: up to `concurrency` renders at a time, each job with a heartbeat that keeps its lease while it runs.
import { escapeLiteral, type Pool } from 'pg';
import type { Logger } from 'pino';
import { copyColumn } from './bytea';
import type { Metrics } from './metrics';
import { JobQueue, type ClaimedJob } from './queue';
import { renderThumbnails, thumbnailsWrite } from './resize';

/** PostgreSQL's SQLSTATE for a row that references one that no longer exists. */
const FOREIGN_KEY_VIOLATION = '23503';

export interface WorkerOptions {
  pool: Pool;
  queue: JobQueue;
  logger: Logger;
  metrics: Metrics;
  thumbnailSizes: readonly number[];
  leaseSeconds: number;
  pollIntervalMs: number;
  /**
   * Thumbnails rendered at once (the CPU-bound step). One more job is claimed
   * ahead, and completions run beside the next render, so that the round trips
   * to PostgreSQL overlap with rendering instead of leaving a core idle.
   */
  concurrency?: number;
}

export class Worker {
  private stopping = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private freeRenderSlots: number;
  private readonly renderQueue: (() => void)[] = [];

  constructor(private readonly options: WorkerOptions) {
    this.freeRenderSlots = options.concurrency ?? 1;
  }

  start(): void {
    this.loop ??= this.run();
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Stops claiming; resolves once the jobs in flight, if any, are finished. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
  }

  // One claimer for all slots: an idle process polls once per interval, whatever its concurrency.
  private async run(): Promise<void> {
    const { queue, logger, pollIntervalMs } = this.options;
    // One job beyond the render slots: its claim and download happen while the others render.
    const maxInFlight = (this.options.concurrency ?? 1) + 1;
    while (!this.stopping) {
      if (this.inFlight.size >= maxInFlight) {
        await Promise.race(this.inFlight);
        continue;
      }
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
      const running: Promise<void> = this.process(job)
        .catch((err: unknown) => logger.error({ err: (err as Error).message }, 'processing a job failed'))
        .finally(() => this.inFlight.delete(running));
      this.inFlight.add(running);
    }
    await Promise.all(this.inFlight);
  }

  /** Runs `render` once one of the `concurrency` render slots is free, first come first served. */
  private async withRenderSlot<T>(render: () => Promise<T>): Promise<T> {
    if (this.freeRenderSlots > 0) this.freeRenderSlots--;
    else await new Promise<void>((resolve) => this.renderQueue.push(resolve));
    try {
      return await render();
    } finally {
      // Hand the slot straight to the next waiter, if any, rather than freeing it.
      const next = this.renderQueue.shift();
      if (next === undefined) this.freeRenderSlots++;
      else next();
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
    const heartbeat = setInterval(
      () => {
        queue.heartbeat(job).then(
          (held) => held || log.warn('lease lost while processing'),
          (err: unknown) => log.warn({ err: (err as Error).message }, 'lease heartbeat failed'),
        );
      },
      (leaseSeconds * 1000) / 3,
    );
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
    const client = await pool.connect();
    let original: Buffer | null | undefined;
    try {
      // The cast makes PostgreSQL reject a malformed id, as a bound uuid parameter would.
      [original] = await copyColumn(client, `SELECT data FROM attachments WHERE id = ${escapeLiteral(attachmentId)}::uuid`);
    } finally {
      client.release();
    }
    // A deleted attachment leaves nothing to do; the job still completes.
    if (original == null) return queue.complete(job);
    const thumbnails = await this.withRenderSlot(() => renderThumbnails(original, thumbnailSizes));
    try {
      return await queue.complete(job, thumbnailsWrite(attachmentId, thumbnails));
    } catch (err) {
      // The attachment (or its task) was deleted while its thumbnails rendered: nothing is left to
      // write them for, which is the deleted-attachment case above, not a failure of the job.
      if ((err as { code?: string }).code === FOREIGN_KEY_VIOLATION) return queue.complete(job);
      throw err;
    }
  }
}
