import sharp from 'sharp';

export interface Thumbnail {
  width: number;
  height: number;
  contentType: string;
  data: Buffer;
}

/**
 * Renders WebP thumbnails at each width, never upscaling, honouring EXIF orientation.
 *
 * The original is decoded once, straight to the largest width (JPEG and WebP
 * shrink on load), into raw pixels; every width is then encoded from those
 * small pixels. Decoding is most of the cost of a photo (the entropy decoding
 * of the whole file happens at any scale), so one decode instead of one per
 * width is what makes several sizes cheap.
 */
export async function renderThumbnails(original: Buffer, widths: readonly number[]): Promise<Thumbnail[]> {
  const largest = Math.max(...widths);
  // depth 'uchar': the raw pixels are read back below as 8-bit, which is what WebP stores anyway.
  const { data: pixels, info } = await sharp(original, { failOn: 'error' })
    .rotate()
    .resize({ width: largest, withoutEnlargement: true })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels };
  const thumbnails: Thumbnail[] = [];
  // One at a time: the process runs several jobs at once (JOB_CONCURRENCY), which is where parallelism comes from.
  for (const width of widths) {
    const { data, info: out } = await sharp(pixels, { raw })
      .resize({ width, withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer({ resolveWithObject: true });
    thumbnails.push({ width, height: out.height, contentType: 'image/webp', data });
  }
  return thumbnails;
}

/**
 * A data-modifying statement for JobQueue.complete: upserts the thumbnails,
 * only if the job's lease is still held (the `done` CTE returned its row).
 */
export function thumbnailsWrite(attachmentId: string, thumbnails: Thumbnail[]): { name: string; sql: string; params: unknown[] } {
  return {
    name: 'thumbnails',
    sql: `INSERT INTO thumbnails (attachment_id, width, height, content_type, data)
          SELECT $3::uuid, t.width, t.height, t.content_type, t.data
          FROM unnest($4::int[], $5::int[], $6::text[], $7::bytea[]) AS t(width, height, content_type, data)
          WHERE EXISTS (SELECT 1 FROM done)
          ON CONFLICT (attachment_id, width) DO UPDATE
            SET height = EXCLUDED.height, content_type = EXCLUDED.content_type, data = EXCLUDED.data, created_at = now()`,
    params: [
      attachmentId,
      thumbnails.map((t) => t.width),
      thumbnails.map((t) => t.height),
      thumbnails.map((t) => t.contentType),
      thumbnails.map((t) => t.data),
    ],
  };
}
