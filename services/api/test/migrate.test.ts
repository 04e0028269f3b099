import { createTestDatabase, silentLogger, tolerantPool, type TestDatabase } from '../../test-support/fixtures';
import { migrate } from '../src/migrate';
import { migrations } from '../src/migrations';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase(false);
});
afterAll(async () => {
  await db.drop();
});

test('concurrent runs are serialised: each migration is applied exactly once', async () => {
  const pools = [0, 1, 2].map(() => tolerantPool(db.config, 1));
  try {
    const results = await Promise.all(pools.map((p) => migrate(p, silentLogger)));
    const all = migrations.map((m) => m.version);
    expect(results.filter((r) => r.applied.length === all.length)).toHaveLength(1);
    expect(results.filter((r) => r.applied.length === 0 && r.alreadyApplied.length === all.length)).toHaveLength(2);
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }
  const { rows } = await db.pool.query('SELECT version FROM schema_migrations ORDER BY version');
  expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
});

test('a second run is a no-op', async () => {
  const again = await migrate(db.pool, silentLogger);
  expect(again.applied).toEqual([]);
});

test('a failing migration is rolled back whole and reported', async () => {
  const broken = [
    ...migrations,
    { version: migrations.length + 1, name: 'broken', sql: 'CREATE TABLE half_done (id int); SELECT no_such_function();' },
  ];
  await expect(migrate(db.pool, silentLogger, broken)).rejects.toThrow(
    `migration ${migrations.length + 1} (broken) failed and was rolled back`,
  );
  const { rows } = await db.pool.query("SELECT to_regclass('half_done') AS t");
  expect(rows[0].t).toBeNull();
});

test('fails when an applied migration was edited', async () => {
  const edited = migrations.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql} -- edited` } : m));
  await expect(migrate(db.pool, silentLogger, edited)).rejects.toThrow(
    'migration 1 (users_tokens_tasks) was changed after it was applied; add a new migration instead',
  );
});
