import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeCacheFile } from './cache-file';

/**
 * Text computed from some content before (the YAML of an object, the objects of a YAML file),
 * keyed by a hash of that content, in one JSON file. The file as a whole carries `key`, what the
 * computation depends on besides the content (library versions, options); a file of another key,
 * a missing or an unreadable one is an empty cache. A save keeps what this run used, then older
 * entries, up to a limit.
 */
export class ContentCache {
  private readonly used = new Map<string, string>();
  private added = 0;

  private constructor(
    private readonly file: string,
    private readonly key: string,
    private readonly previous: ReadonlyMap<string, string>,
  ) {}

  static open(file: string, key: string): ContentCache {
    let entries = new Map<string, string>();
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as { key?: unknown; entries?: Record<string, string> };
      if (data.key === key && data.entries) entries = new Map(Object.entries(data.entries));
    } catch {
      // No cache yet, or an unreadable one: start empty.
    }
    return new ContentCache(file, key, entries);
  }

  /** The hash that names `content` in the cache. */
  static hash(content: string): string {
    return createHash('sha256').update(content).digest('base64url');
  }

  get(hash: string): string | undefined {
    const hit = this.used.get(hash) ?? this.previous.get(hash);
    if (hit !== undefined) this.used.set(hash, hit);
    return hit;
  }

  set(hash: string, value: string): void {
    this.added += 1;
    this.used.set(hash, value);
  }

  /** Writes the file when this run added anything: this run's entries, then older ones, up to `limit`. */
  save(limit = 2000): void {
    if (this.added === 0) return;
    const entries: Record<string, string> = Object.fromEntries(this.used);
    let n = this.used.size;
    for (const [hash, value] of this.previous) {
      if (n >= limit) break;
      if (!(hash in entries)) {
        entries[hash] = value;
        n += 1;
      }
    }
    // Where it cannot be written (a read-only checkout), the next run computes again.
    writeCacheFile(this.file, JSON.stringify({ key: this.key, entries }));
  }
}

/** The JSON text of a value made only of plain JSON values (objects, arrays, strings, finite numbers, booleans, null), else undefined. */
export function plainJson(value: unknown): string | undefined {
  let plain = true;
  const json = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    if (raw === null || typeof raw === 'string' || typeof raw === 'boolean') return v;
    if (typeof raw === 'number') {
      // JSON has no NaN or infinities, and writes -0 as 0.
      if (!Number.isFinite(raw) || Object.is(raw, -0)) plain = false;
    } else if (typeof raw !== 'object' || (!Array.isArray(raw) && Object.getPrototypeOf(raw) !== Object.prototype)) {
      // undefined (in an array it would become null), functions, symbols, Dates, class instances.
      plain = false;
    }
    return v;
  });
  return plain ? json : undefined;
}
