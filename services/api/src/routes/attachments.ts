import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import sharp, { type Metadata } from 'sharp';
import { z } from 'zod';
import type { Metrics } from '../metrics';
import { attachmentListSchema, attachmentSchema, imageResponse, jsonSchema, responses } from '../openapi';
import { idParamsSchema } from '../tasks';
import { HttpError, INT4_MAX, notFound } from '../validation';

const security = [{ bearer: [] }];

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
  width: z.coerce
    .number({ error: 'must be an integer' })
    .int({ error: 'must be an integer' })
    .positive({ error: 'must be > 0' })
    .max(INT4_MAX, { error: `must be <= ${INT4_MAX}` }),
});

export interface AttachmentRouteDeps {
  pool: Pool;
  metrics: Metrics;
  maxUploadBytes: number;
  /** Largest image accepted, in pixels over all its frames. */
  maxUploadPixels: number;
}

type ThumbnailStatus = 'pending' | 'ready' | 'failed';

interface AttachmentRow {
  id: string;
  content_type: string;
  byte_size: number;
  width: number;
  height: number;
  created_at: Date;
  thumbnails: { width: number; height: number }[];
  job_status: string | null;
  job_error: string | null;
}

/** The newest resize job says where the thumbnails are: queued or running is pending, failed carries its error. */
function thumbnailStatus(row: AttachmentRow): { thumbnailStatus: ThumbnailStatus; thumbnailError: string | null } {
  if (row.job_status === 'failed') return { thumbnailStatus: 'failed', thumbnailError: firstLine(row.job_error) };
  if (row.job_status === 'done' || (row.job_status === null && row.thumbnails.length > 0)) {
    return { thumbnailStatus: 'ready', thumbnailError: null };
  }
  return { thumbnailStatus: 'pending', thumbnailError: null };
}

/** The job keeps a stack trace; a client gets its first line, the error itself. */
function firstLine(error: string | null): string {
  return (error ?? 'the thumbnails could not be rendered').split('\n')[0]!.slice(0, 500);
}

const toAttachment = (row: AttachmentRow) => ({
  id: row.id,
  contentType: row.content_type,
  byteSize: row.byte_size,
  width: row.width,
  height: row.height,
  createdAt: row.created_at.toISOString(),
  thumbnails: row.thumbnails,
  ...thumbnailStatus(row),
});

/**
 * Refuses what the worker could not render: an image is accepted only if it decodes completely
 * (not just its header), within the pixel limit over all its frames, as one of the accepted formats.
 */
async function checkImage(body: Buffer, maxPixels: number): Promise<{ contentType: string; width: number; height: number }> {
  let meta: Metadata;
  try {
    // Only the header is read here, so no pixel limit yet: the check below names the size instead.
    meta = await sharp(body, { animated: true, limitInputPixels: false }).metadata();
  } catch {
    throw new HttpError(415, 'body: is not a readable image; send png, jpeg, webp or gif bytes');
  }
  const contentType = meta.format ? ALLOWED_FORMATS[meta.format] : undefined;
  if (contentType === undefined || meta.width === undefined || meta.height === undefined) {
    throw new HttpError(415, `body: image format '${meta.format ?? 'unknown'}' is not accepted; use png, jpeg, webp or gif`);
  }
  // With `animated`, height is that of all frames stacked: the pixels a full decode produces.
  const pixels = meta.width * meta.height;
  if (pixels > maxPixels) {
    throw new HttpError(
      413,
      `body: the image is ${meta.width}x${meta.height} (${pixels} pixels${(meta.pages ?? 1) > 1 ? ` over ${meta.pages} frames` : ''}); at most ${maxPixels} pixels are accepted`,
    );
  }
  try {
    // Decodes every pixel of every frame, discarding them: a truncated or corrupt image fails here, not in the worker.
    await sharp(body, { animated: true, failOn: 'warning', limitInputPixels: maxPixels }).stats();
  } catch (err) {
    throw new HttpError(422, `body: the ${meta.format} image is damaged or truncated (${(err as Error).message.split('\n')[0]})`);
  }
  return { contentType, width: meta.width, height: meta.pageHeight ?? meta.height };
}

const ATTACHMENT_STATUS_JOIN = `LEFT JOIN LATERAL (
    SELECT j.status, j.last_error FROM jobs j
    WHERE j.kind = 'resize' AND j.payload->>'attachmentId' = a.id::text
    ORDER BY j.id DESC LIMIT 1
  ) job ON true`;

export async function attachmentRoutes(app: FastifyInstance, deps: AttachmentRouteDeps): Promise<void> {
  const { pool, metrics, maxUploadBytes, maxUploadPixels } = deps;

  // Raw image bodies; the declared type is only a hint, the bytes are checked below.
  app.addContentTypeParser(/^image\//, { parseAs: 'buffer', bodyLimit: maxUploadBytes }, (_req, body, done) => done(null, body));

  app.post<{ Params: { id: string }; Body: Buffer }>(
    '/tasks/:id/attachments',
    {
      schema: { security, params: idParamsSchema, response: responses({ 201: jsonSchema(attachmentSchema) }) },
      bodyLimit: maxUploadBytes,
      config: { openapiBody: { contentTypes: Object.values(ALLOWED_FORMATS) } },
    },
    async (request, reply) => {
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        throw new HttpError(415, 'body: send the image bytes with Content-Type image/png, image/jpeg, image/webp or image/gif');
      }
      const image = await checkImage(body, maxUploadPixels);
      const declared = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (declared !== image.contentType) {
        throw new HttpError(415, `body: content is ${image.contentType} but Content-Type says ${declared}`);
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
         SELECT a.*, '[]'::json AS thumbnails, 'queued' AS job_status, NULL AS job_error FROM a`,
        [request.params.id, request.userId, image.contentType, body.length, image.width, image.height, body],
      );
      if (rows.length === 0) throw notFound('task');
      metrics.jobsEnqueued.inc();
      return reply.code(201).send(toAttachment(rows[0]!));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/tasks/:id/attachments',
    { schema: { security, params: idParamsSchema, response: responses({ 200: jsonSchema(attachmentListSchema) }) } },
    async (request) => {
      const task = await pool.query('SELECT 1 FROM tasks WHERE id = $1 AND user_id = $2', [request.params.id, request.userId]);
      if (task.rowCount === 0) throw notFound('task');
      const { rows } = await pool.query<AttachmentRow>(
        `SELECT a.id, a.content_type, a.byte_size, a.width, a.height, a.created_at,
           COALESCE((SELECT json_agg(json_build_object('width', t.width, 'height', t.height) ORDER BY t.width)
             FROM thumbnails t WHERE t.attachment_id = a.id), '[]') AS thumbnails,
           job.status AS job_status, job.last_error AS job_error
         FROM attachments a ${ATTACHMENT_STATUS_JOIN}
         WHERE a.task_id = $1 AND a.user_id = $2
         ORDER BY a.created_at, a.id`,
        [request.params.id, request.userId],
      );
      return { items: rows.map(toAttachment) };
    },
  );

  app.get<{ Params: z.output<typeof attachmentParamsSchema> }>(
    '/tasks/:id/attachments/:attachmentId',
    { schema: { security, params: attachmentParamsSchema, response: responses({ 200: imageResponse('the original image') }) } },
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
    { schema: { security, params: thumbnailParamsSchema, response: responses({ 200: imageResponse('a WebP thumbnail') }) } },
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
