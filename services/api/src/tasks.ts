// Task queries shared by the routes, the summary command and the listing benchmark.
import { z } from 'zod';

export const isoDate = z.iso.date({ error: 'must be a date as YYYY-MM-DD' });

const title = z
  .string({ error: 'is required and must be a string' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(200, { error: 'must be at most 200 characters' });
const notes = z.string({ error: 'must be a string' }).max(10_000, { error: 'must be at most 10000 characters' });
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

const cursorSchema = z
  .string()
  .transform((raw, ctx) => {
    try {
      const parsed = z
        .object({ createdAt: z.string().min(1), id: z.uuid() })
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
  done: z.enum(['true', 'false'], { error: "must be 'true' or 'false'" }).transform((v) => v === 'true').optional(),
  dueFrom: isoDate.optional(),
  dueTo: isoDate.optional(),
  q: z.string().min(1, { error: 'must not be empty' }).max(200, { error: 'must be at most 200 characters' }).optional(),
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
