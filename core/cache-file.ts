import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes a cache file whole or not at all (a temporary file, then a rename), creating its
 * directory. Best effort: where it cannot be written (a read-only checkout), the next run just
 * computes again, so a failure is ignored.
 */
export function writeCacheFile(file: string, data: string | NodeJS.ArrayBufferView): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch {
    // computed again next time
  }
}
