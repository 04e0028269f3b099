import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { migrations as defaultMigrations, type Migration } from './migrations';

/** Arbitrary but fixed: every `migrate` run of every replica takes the same advisory lock. */
export const MIGRATION_LOCK_KEY = 7_301_842_115;

export interface MigrationResult {
  applied: number[];
  alreadyApplied: number[];
}

export function checksum(migration: Migration): string {
  return createHash('sha256').update(migration.sql).digest('hex');
}

/**
 * Applies pending migrations, each in its own transaction. A session-level
 * advisory lock serialises concurrent runs, so the second run waits and then
 * finds nothing to do.
 */
export async function migrate(
  pool: Pool,
  logger: Logger,
  migrations: readonly Migration[] = defaultMigrations,
): Promise<MigrationResult> {
  assertOrdered(migrations);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`
        CREATE TABLE IF NOT EXISTS schema_migrations (
          version integer PRIMARY KEY,
          name text NOT NULL,
          checksum text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`);
      const { rows } = await client.query<{ version: number; checksum: string }>(
        'SELECT version, checksum FROM schema_migrations ORDER BY version',
      );
      const applied = new Map(rows.map((r) => [r.version, r.checksum]));
      const result: MigrationResult = { applied: [], alreadyApplied: [] };
      for (const migration of migrations) {
        const sum = checksum(migration);
        const existing = applied.get(migration.version);
        if (existing !== undefined) {
          if (existing !== sum) {
            throw new Error(
              `migration ${migration.version} (${migration.name}) was changed after it was applied; add a new migration instead`,
            );
          }
          result.alreadyApplied.push(migration.version);
          continue;
        }
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query(
            'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
            [migration.version, migration.name, sum],
          );
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(
            `migration ${migration.version} (${migration.name}) failed and was rolled back: ${(err as Error).message}`,
          );
        }
        logger.info({ version: migration.version, name: migration.name }, 'migration applied');
        result.applied.push(migration.version);
      }
      return result;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`migration versions must be 1..n in order; position ${i} has version ${m.version}`);
    }
  });
}
