/**
 * The daily summary: for each user, tasks due today, overdue tasks and tasks
 * completed yesterday, mailed over SMTP. A delivery row per (user, day) is
 * inserted in the same transaction that sends the mail, so a re-run, or a
 * concurrent run, never mails a user twice for one day; a failed send rolls
 * the row back and the next run retries it.
 */
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Transporter } from 'nodemailer';

export interface SummaryOptions {
  pool: Pool;
  transport: Transporter;
  from: string;
  timeZone: string;
  logger: Logger;
  /** The moment that defines "today" in `timeZone`. */
  now?: Date;
}

export interface SummaryResult {
  day: string;
  sent: number;
  alreadySent: number;
  nothingToReport: number;
  failed: number;
}

interface SummaryTask {
  title: string;
  due_date: string | null;
}

const USER_BATCH = 500;

/** The calendar date of `now` in `timeZone`, as YYYY-MM-DD. */
export function localDate(now: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export async function runDailySummary(options: SummaryOptions): Promise<SummaryResult> {
  const { pool, logger, timeZone } = options;
  const day = localDate(options.now ?? new Date(), timeZone);
  const result: SummaryResult = { day, sent: 0, alreadySent: 0, nothingToReport: 0, failed: 0 };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows: users } = await pool.query<{ id: string; email: string; name: string }>(
      'SELECT id, email, name FROM users WHERE id > $1 ORDER BY id LIMIT $2',
      [after, USER_BATCH],
    );
    if (users.length === 0) break;
    after = users[users.length - 1]!.id;
    for (const user of users) {
      const outcome = await summariseUser(options, user, day);
      result[outcome] += 1;
    }
  }
  logger.info(result, 'daily summary finished');
  return result;
}

async function summariseUser(
  options: SummaryOptions,
  user: { id: string; email: string; name: string },
  day: string,
): Promise<'sent' | 'alreadySent' | 'nothingToReport' | 'failed'> {
  const { pool, logger, timeZone } = options;
  const client = await pool.connect();
  try {
    const sections = await client.query<{ section: 'due' | 'overdue' | 'completed' } & SummaryTask>(
      `SELECT CASE WHEN NOT done AND due_date = $2::date THEN 'due'
                   WHEN NOT done AND due_date < $2::date THEN 'overdue'
                   ELSE 'completed' END AS section,
              title, to_char(due_date, 'YYYY-MM-DD') AS due_date
       FROM tasks
       WHERE user_id = $1 AND (
         (NOT done AND due_date <= $2::date)
         OR (done AND completed_at >= (($2::date - 1)::timestamp AT TIME ZONE $3)
                  AND completed_at < ($2::date::timestamp AT TIME ZONE $3)))
       ORDER BY due_date NULLS LAST, title`,
      [user.id, day, timeZone],
    );
    if (sections.rows.length === 0) return 'nothingToReport';
    const pick = (s: string) => sections.rows.filter((r) => r.section === s);
    const messageId = `<summary-${user.id}-${day}@tasknote>`;

    await client.query('BEGIN');
    // Blocks on a concurrent run's uncommitted row, then sees it and skips.
    const claim = await client.query(
      `INSERT INTO summary_deliveries (user_id, day, message_id) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, day) DO NOTHING RETURNING 1`,
      [user.id, day, messageId],
    );
    if (claim.rowCount === 0) {
      await client.query('ROLLBACK');
      return 'alreadySent';
    }
    try {
      await options.transport.sendMail({
        from: options.from,
        to: { name: user.name, address: user.email },
        subject: `Your TaskNote summary for ${day}`,
        messageId,
        text: renderSummary(user.name, day, pick('due'), pick('overdue'), pick('completed')),
      });
    } catch (err) {
      await client.query('ROLLBACK');
      logger.error({ userId: user.id, day, err: (err as Error).message }, 'summary mail failed; it will be retried on the next run');
      return 'failed';
    }
    await client.query('COMMIT');
    logger.info({ userId: user.id, day }, 'summary sent');
    return 'sent';
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export function renderSummary(
  name: string,
  day: string,
  due: SummaryTask[],
  overdue: SummaryTask[],
  completed: SummaryTask[],
): string {
  const list = (tasks: SummaryTask[], withDate: boolean) =>
    tasks.length === 0
      ? '  (none)'
      : tasks.map((t) => `  - ${t.title}${withDate && t.due_date ? ` (due ${t.due_date})` : ''}`).join('\n');
  return [
    `Hello ${name},`,
    '',
    `Your TaskNote summary for ${day}.`,
    '',
    `Due today (${due.length}):`,
    list(due, false),
    '',
    `Overdue (${overdue.length}):`,
    list(overdue, true),
    '',
    `Completed yesterday (${completed.length}):`,
    list(completed, false),
    '',
  ].join('\n');
}
