import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { TaskListCache } from '../cache';
import {
  TASK_COLUMNS,
  encodeCursor,
  idParamsSchema,
  listQuerySchema,
  listTasksQuery,
  taskCreateSchema,
  taskPatchSchema,
  toTask,
  type ListQuery,
  type TaskCreate,
  type TaskPatch,
  type TaskRow,
} from '../tasks';
import { jsonSchema, noContent, responses, taskListSchema, taskSchema } from '../openapi';
import { notFound } from '../validation';

const security = [{ bearer: [] }];

export interface TaskRouteDeps {
  pool: Pool;
  cache: TaskListCache;
}

export async function taskRoutes(app: FastifyInstance, { pool, cache }: TaskRouteDeps): Promise<void> {
  app.get<{ Querystring: ListQuery }>(
    '/tasks',
    { schema: { security, querystring: listQuerySchema, response: responses({ 200: jsonSchema(taskListSchema) }) } },
    async (request, reply) => {
      const userId = request.userId;
      const cached = await cache.get(userId, request.query);
      if ('hit' in cached) {
        return reply.header('content-type', 'application/json; charset=utf-8').header('x-cache', 'hit').send(cached.hit);
      }
      const { text, values } = listTasksQuery(userId, request.query);
      const { rows } = await pool.query<TaskRow>(text, values);
      const page = rows.slice(0, request.query.limit);
      const body = JSON.stringify({
        items: page.map(toTask),
        nextCursor: rows.length > request.query.limit ? encodeCursor(page[page.length - 1]!) : null,
      });
      await cache.set(userId, request.query, cached.miss, body);
      return reply.header('content-type', 'application/json; charset=utf-8').header('x-cache', 'miss').send(body);
    },
  );

  app.post<{ Body: TaskCreate }>(
    '/tasks',
    { schema: { security, body: taskCreateSchema, response: responses({ 201: jsonSchema(taskSchema) }) } },
    async (request, reply) => {
      const b = request.body;
      const { rows } = await pool.query<TaskRow>(
        `INSERT INTO tasks (user_id, title, notes, due_date, done, completed_at)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $5 THEN now() END)
       RETURNING ${TASK_COLUMNS}`,
        [request.userId, b.title, b.notes, b.dueDate, b.done],
      );
      await cache.invalidate(request.userId);
      return reply.code(201).header('location', `/tasks/${rows[0]!.id}`).send(toTask(rows[0]!));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/tasks/:id',
    { schema: { security, params: idParamsSchema, response: responses({ 200: jsonSchema(taskSchema) }) } },
    async (request) => {
      const { rows } = await pool.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1 AND user_id = $2`, [
        request.params.id,
        request.userId,
      ]);
      if (rows.length === 0) throw notFound('task');
      return toTask(rows[0]!);
    },
  );

  app.patch<{ Params: { id: string }; Body: TaskPatch }>(
    '/tasks/:id',
    { schema: { security, params: idParamsSchema, body: taskPatchSchema, response: responses({ 200: jsonSchema(taskSchema) }) } },
    async (request) => {
      const b = request.body;
      // COALESCE keeps fields the client left out; dueDate uses a flag because null is a real value.
      const { rows } = await pool.query<TaskRow>(
        `UPDATE tasks SET
           title = COALESCE($3, title),
           notes = COALESCE($4, notes),
           due_date = CASE WHEN $5 THEN $6::date ELSE due_date END,
           done = COALESCE($7, done),
           completed_at = CASE
             WHEN $7::boolean IS NULL THEN completed_at
             WHEN $7 AND NOT done THEN now()
             WHEN $7 THEN completed_at
             ELSE NULL END,
           updated_at = now()
         WHERE id = $1 AND user_id = $2
         RETURNING ${TASK_COLUMNS}`,
        [request.params.id, request.userId, b.title ?? null, b.notes ?? null, b.dueDate !== undefined, b.dueDate ?? null, b.done ?? null],
      );
      if (rows.length === 0) throw notFound('task');
      await cache.invalidate(request.userId);
      return toTask(rows[0]!);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/tasks/:id',
    { schema: { security, params: idParamsSchema, response: responses({ 204: noContent }) } },
    async (request, reply) => {
      const { rowCount } = await pool.query('DELETE FROM tasks WHERE id = $1 AND user_id = $2', [request.params.id, request.userId]);
      if (rowCount === 0) throw notFound('task');
      await cache.invalidate(request.userId);
      return reply.code(204).send();
    },
  );
}
