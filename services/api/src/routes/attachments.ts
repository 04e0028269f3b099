import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import sharp, { type Metadata } from 'sharp';
import { z } from 'zod';
import type { Metrics } from '../metrics';
import { idParamsSchema } from '../tasks';
import { HttpError, notFound } from '../validation';

/** Formats accepted for upload, by sharp's format name. */
const ALLOWED_FORMATS: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
};

const attachmentParamsSchema = z.object({
  id: z.uuid({ error: 'must be a UUID' }),
  attachmentId: z.uuid({ error: 'must be a UUID' }),
});
const thumbnailParamsSchema = attachmentParamsSchema.extend({
  width: z.coerce.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }).positive({ error: 'must be > 0' }),
});

export interface AttachmentRouteDeps {
  pool: Pool;
  metrics: Metrics;
  maxUploadBytes: number;
}

interface AttachmentRow {
  id: string;
  content_type: string;
  byte_size: number;
  width: number;
  height: number;
  created_at: Date;
  thumbnails: { width: number; height: number }[];
}

const toAttachment = (row: AttachmentRow) => ({
  id: row.id,
  contentType: row.content_type,
  byteSize: row.byte_size,
  width: row.width,
  height: row.height,
  createdAt: row.created_at.toISOString(),
  thumbnails: row.thumbnails,
});

export async function attachmentRoutes(app: FastifyInstance, deps: AttachmentRouteDeps): Promise<void> {
  const { pool, metrics, maxUploadBytes } = deps;

  // Raw image bodies; the declared type is only a hint, the bytes are checked below.
  app.addContentTypeParser(/^image\//, { parseAs: 'buffer', bodyLimit: maxUploadBytes }, (_req, body, done) =>
    done(null, body),
  );

  app.post<{ Params: { id: string }; Body: Buffer }>(
    '/tasks/:id/attachments',
    { schema: { params: idParamsSchema }, bodyLimit: maxUploadBytes },
    async (request, reply) => {
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        throw new HttpError(415, 'body: send the image bytes with Content-Type image/png, image/jpeg, image/webp or image/gif');
      }
      let meta: Metadata;
      try {
        meta = await sharp(body).metadata();
      } catch {
        throw new HttpError(415, 'body: is not a readable image');
      }
      const actualType = meta.format ? ALLOWED_FORMATS[meta.format] : undefined;
      if (actualType === undefined || meta.width === undefined || meta.height === undefined) {
        throw new HttpError(415, `body: image format '${meta.format ?? 'unknown'}' is not accepted; use png, jpeg, webp or gif`);
      }
      const declared = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (declared !== actualType) {
        throw new HttpError(415, `body: content is ${actualType} but Content-Type says ${declared}`);
      }
      // One statement: the attachment and its resize job exist together or not at all.
      const { rows } = await pool.query<AttachmentRow>(
        `WITH a AS (
           INSERT INTO attachments (task_id, user_id, content_type, byte_size, width, height, data)
           SELECT id, user_id, $3, $4, $5, $6, $7 FROM tasks WHERE id = $1 AND user_id = $2
           RETURNING id, content_type, byte_size, width, height, created_at
         ), j AS (
           INSERT INTO jobs (kind, payload) SELECT 'resize', jsonb_build_object('attachmentId', id) FROM a
         )
         SELECT a.*, '[]'::json AS thumbnails FROM a`,
        [request.params.id, request.userId, actualType, body.length, meta.width, meta.height, body],
      );
      if (rows.length === 0) throw notFound('task');
      metrics.jobsEnqueued.inc();
      return reply.code(201).send(toAttachment(rows[0]!));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/tasks/:id/attachments',
    { schema: { params: idParamsSchema } },
    async (request) => {
      const task = await pool.query('SELECT 1 FROM tasks WHERE id = $1 AND user_id = $2', [
        request.params.id,
        request.userId,
      ]);
      if (task.rowCount === 0) throw notFound('task');
      const { rows } = await pool.query<AttachmentRow>(
        `SELECT a.id, a.content_type, a.byte_size, a.width, a.height, a.created_at,
           COALESCE(json_agg(json_build_object('width', t.width, 'height', t.height) ORDER BY t.width)
             FILTER (WHERE t.width IS NOT NULL), '[]') AS thumbnails
         FROM attachments a LEFT JOIN thumbnails t ON t.attachment_id = a.id
         WHERE a.task_id = $1 AND a.user_id = $2
         GROUP BY a.id ORDER BY a.created_at, a.id`,
        [request.params.id, request.userId],
      );
      return { items: rows.map(toAttachment) };
    },
  );

  app.get<{ Params: z.output<typeof attachmentParamsSchema> }>(
    '/tasks/:id/attachments/:attachmentId',
    { schema: { params: attachmentParamsSchema } },
    async (request, reply) => {
      const { rows } = await pool.query<{ content_type: string; data: Buffer }>(
        'SELECT content_type, data FROM attachments WHERE id = $1 AND task_id = $2 AND user_id = $3',
        [request.params.attachmentId, request.params.id, request.userId],
      );
      if (rows.length === 0) throw notFound('attachment');
      return reply.header('content-type', rows[0]!.content_type).send(rows[0]!.data);
    },
  );

  app.get<{ Params: z.output<typeof thumbnailParamsSchema> }>(
    '/tasks/:id/attachments/:attachmentId/thumbnails/:width',
    { schema: { params: thumbnailParamsSchema } },
    async (request, reply) => {
      const { rows } = await pool.query<{ content_type: string; data: Buffer }>(
        `SELECT t.content_type, t.data FROM thumbnails t JOIN attachments a ON a.id = t.attachment_id
         WHERE t.attachment_id = $1 AND a.task_id = $2 AND a.user_id = $3 AND t.width = $4`,
        [request.params.attachmentId, request.params.id, request.userId, request.params.width],
      );
      if (rows.length === 0) throw notFound('thumbnail');
      return reply.header('content-type', rows[0]!.content_type).send(rows[0]!.data);
    },
  );
}
