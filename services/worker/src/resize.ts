import type { PoolClient } from 'pg';
import sharp from 'sharp';

export interface Thumbnail {
  width: number;
  height: number;
  contentType: string;
  data: Buffer;
}

/** Renders WebP thumbnails at each width, never upscaling, honouring EXIF orientation. */
export async function renderThumbnails(original: Buffer, widths: readonly number[]): Promise<Thumbnail[]> {
  const decoded = sharp(original, { failOn: 'error' }).rotate();
  return Promise.all(
    widths.map(async (width) => {
      const { data, info } = await decoded
        .clone()
        .resize({ width, withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer({ resolveWithObject: true });
      return { width, height: info.height, contentType: 'image/webp', data };
    }),
  );
}

export async function saveThumbnails(client: PoolClient, attachmentId: string, thumbnails: Thumbnail[]): Promise<void> {
  for (const t of thumbnails) {
    await client.query(
      `INSERT INTO thumbnails (attachment_id, width, height, content_type, data) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (attachment_id, width) DO UPDATE
         SET height = EXCLUDED.height, content_type = EXCLUDED.content_type, data = EXCLUDED.data, created_at = now()`,
      [attachmentId, t.width, t.height, t.contentType, t.data],
    );
  }
}
