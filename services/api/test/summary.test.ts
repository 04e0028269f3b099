import nodemailer from 'nodemailer';
import { createTestDatabase, silentLogger, type TestDatabase } from '../../test-support/fixtures';
import { startSmtp, type RunningSmtp } from '../../test-support/servers';
import { localDate, runDailySummary } from '../src/summary';

let db: TestDatabase;
let smtp: RunningSmtp;
let alice: string;

// 10:00 UTC is 12:00 in Paris: "today" is 2030-06-15 there.
const now = new Date('2030-06-15T10:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase();
  smtp = await startSmtp();
  const users = await db.pool.query<{ id: string }>(
    "INSERT INTO users (email, name) VALUES ('alice@example.com', 'Alice'), ('idle@example.com', 'Idle') RETURNING id",
  );
  alice = users.rows[0]!.id;
  await db.pool.query(
    `INSERT INTO tasks (user_id, title, due_date, done, completed_at) VALUES
       ($1, 'due today', '2030-06-15', false, NULL),
       ($1, 'overdue', '2030-06-10', false, NULL),
       ($1, 'done yesterday', NULL, true, '2030-06-14T21:30:00Z'),
       ($1, 'done two days ago', NULL, true, '2030-06-13T12:00:00Z'),
       ($1, 'done just after midnight today', NULL, true, '2030-06-14T22:30:00Z'),
       ($1, 'due tomorrow', '2030-06-16', false, NULL),
       ($1, 'overdue but done', '2030-06-01', true, '2030-06-01T10:00:00Z')`,
    [alice],
  );
});
afterAll(async () => {
  await smtp.stop();
  await db.drop();
});

const run = (at: Date = now) =>
  runDailySummary({
    pool: db.pool,
    transport: nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true }),
    from: 'tasknote@example.com',
    timeZone: 'Europe/Paris',
    logger: silentLogger,
    now: at,
  });

test('"today" is the calendar date in the configured time zone', () => {
  expect(localDate(new Date('2030-06-15T22:30:00Z'), 'Europe/Paris')).toBe('2030-06-16');
  expect(localDate(new Date('2030-06-15T22:30:00Z'), 'UTC')).toBe('2030-06-15');
});

test('mails each user with something to report: due today, overdue, completed yesterday', async () => {
  const result = await run();
  expect(result).toEqual({ day: '2030-06-15', sent: 1, alreadySent: 0, nothingToReport: 1, failed: 0 });
  expect(smtp.messages).toHaveLength(1);
  const mail = smtp.messages[0]!;
  expect(mail.to).toEqual(['alice@example.com']);
  const body = mail.raw.replace(/=\r\n/g, '');
  expect(body).toContain('Due today (1):\r\n  - due today');
  expect(body).toContain('Overdue (1):\r\n  - overdue (due 2030-06-10)');
  expect(body).toContain('Completed yesterday (1):\r\n  - done yesterday');
  expect(body).not.toContain('done two days ago');
  expect(body).not.toContain('done just after midnight today');
  expect(body).not.toContain('due tomorrow');
});

test('a re-run the same day sends nothing more', async () => {
  const result = await run(new Date('2030-06-15T20:00:00Z'));
  expect(result).toMatchObject({ sent: 0, alreadySent: 1 });
  expect(smtp.messages).toHaveLength(1);
});

test('concurrent runs for a new day send once', async () => {
  const nextDay = new Date('2030-06-16T09:00:00Z');
  const results = await Promise.all([run(nextDay), run(nextDay), run(nextDay)]);
  expect(results.reduce((n, r) => n + r.sent, 0)).toBe(1);
  expect(results.reduce((n, r) => n + r.alreadySent, 0)).toBe(2);
  expect(smtp.messages).toHaveLength(2);
});

test('a failed send is not recorded, so the next run retries it', async () => {
  const day = new Date('2030-06-17T09:00:00Z');
  smtp.rejectWith = 'mailbox unavailable';
  expect(await run(day)).toMatchObject({ sent: 0, failed: 1 });
  const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM summary_deliveries WHERE day = '2030-06-17'");
  expect(rows[0].n).toBe(0);
  smtp.rejectWith = undefined;
  expect(await run(day)).toMatchObject({ sent: 1, failed: 0 });
  expect(smtp.messages).toHaveLength(3);
});
