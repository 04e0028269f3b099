// Task queries shared by the routes, the summary command and the listing benchmark.
import { z } from 'zod';
import { pgDate, pgText } from './validation';

export const isoDate = pgDate;

const title = pgText(200, { error: 'is required and must be a string', trim: true, minLength: 1 });
const notes = pgText(10_000);
const dueDate = isoDate.nullable();
const done = z.boolean({ error: 'must be true or false' });

export const taskCreateSchema = z.strictObject({
  title,
  notes: notes.default(''),
  dueDate: dueDate.default(null),
  done: done.default(false),
});

export const taskPatchSchema = z
  .strictObject({ title: title.optional(), notes: notes.optional(), dueDate: dueDate.optional(), done: done.optional() })
  .refine((p) => Object.keys(p).length > 0, { error: 'must set at least one of title, notes, dueDate, done' });

/**
 * A timestamptz as PostgreSQL prints it (`created_at::text`, DateStyle ISO), e.g. 2026-12-01 17:31:46.123456+00.
 * A forged cursor is validated as strictly as any input: every field in range, so the cast cannot fail.
 */
const CURSOR_TS = /^([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,6})?([+-])([0-9]{2})(?::([0-9]{2}))?$/;

export function isCursorTimestamp(value: string): boolean {
  const m = CURSOR_TS.exec(value);
  if (m === null) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const [offH, offM] = [Number(m[9]), Number(m[10] ?? 0)];
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  if (offH > 15 || offM > 59) return false;
  // Day within its month, leap years included.
  return day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

const cursorSchema = z.string().transform((raw, ctx) => {
  try {
    const parsed = z
      .object({ createdAt: z.string().refine(isCursorTimestamp), id: z.uuid() })
      .parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    return parsed;
  } catch {
    ctx.issues.push({ code: 'custom', message: 'is not a cursor returned by this API', input: raw });
    return z.NEVER;
  }
});

export const listQuerySchema = z.strictObject({
  limit: z.coerce
    .number({ error: 'must be an integer' })
    .int({ error: 'must be an integer' })
    .min(1, { error: 'must be >= 1' })
    .max(100, { error: 'must be <= 100' })
    .default(20),
  cursor: cursorSchema.optional(),
  done: z
    .enum(['true', 'false'], { error: "must be 'true' or 'false'" })
    .transform((v) => v === 'true')
    .optional(),
  dueFrom: isoDate.optional(),
  dueTo: isoDate.optional(),
  q: pgText(200, { minLength: 1 }).optional(),
});

export type TaskCreate = z.output<typeof taskCreateSchema>;
export type TaskPatch = z.output<typeof taskPatchSchema>;
export type ListQuery = z.output<typeof listQuerySchema>;

export const idParamsSchema = z.object({ id: z.uuid({ error: 'must be a UUID' }) });

export const TASK_COLUMNS = `id, title, notes, to_char(due_date, 'YYYY-MM-DD') AS due_date, done,
  completed_at, created_at, updated_at, created_at::text AS cursor_ts`;

export interface TaskRow {
  id: string;
  title: string;
  notes: string;
  due_date: string | null;
  done: boolean;
  completed_at: Date | null;
  created_at: Date;
  updated_at: Date;
  cursor_ts: string;
}

export interface Task {
  id: string;
  title: string;
  notes: string;
  dueDate: string | null;
  done: boolean;
  completedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    title: row.title,
    notes: row.notes,
    dueDate: row.due_date,
    done: row.done,
    completedAt: row.completed_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function encodeCursor(row: TaskRow): string {
  return Buffer.from(JSON.stringify({ createdAt: row.cursor_ts, id: row.id })).toString('base64url');
}

/** Newest first, keyset-paginated on (created_at, id); fetches one extra row to know if a next page exists. */
export function listTasksQuery(userId: string, query: ListQuery): { text: string; values: unknown[] } {
  const values: unknown[] = [userId];
  const where = ['user_id = $1'];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  if (query.done !== undefined) where.push(`done = ${param(query.done)}`);
  if (query.dueFrom !== undefined) where.push(`due_date >= ${param(query.dueFrom)}`);
  if (query.dueTo !== undefined) where.push(`due_date <= ${param(query.dueTo)}`);
  if (query.q !== undefined) where.push(`title ILIKE ${param(`%${query.q.replace(/[\\%_]/g, '\\$&')}%`)}`);
  if (query.cursor !== undefined) {
    where.push(`(created_at, id) < (${param(query.cursor.createdAt)}::timestamptz, ${param(query.cursor.id)}::uuid)`);
  }
  const text = `SELECT ${TASK_COLUMNS} FROM tasks WHERE ${where.join(' AND ')}
    ORDER BY created_at DESC, id DESC LIMIT ${query.limit + 1}`;
  return { text, values };
}
