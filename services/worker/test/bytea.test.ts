import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../test-support/fixtures';
import { copyColumn } from '../src/bytea';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase(false);
});
afterAll(async () => {
  await db.drop();
});

test('copyColumn returns bytea values byte for byte, nulls as null, and leaves the connection usable after an error', async () => {
  const bytes = randomBytes(300_000);
  const client = await db.pool.connect();
  try {
    await client.query('CREATE TEMP TABLE blobs (n int, data bytea)');
    await client.query('INSERT INTO blobs VALUES (1, $1), (2, NULL), (3, $2)', [bytes, Buffer.alloc(0)]);
    const values = await copyColumn(client, 'SELECT data FROM blobs ORDER BY n');
    expect(values).toHaveLength(3);
    expect(values[0]!.equals(bytes)).toBe(true);
    expect(values[1]).toBeNull();
    expect(values[2]).toEqual(Buffer.alloc(0));
    expect(await copyColumn(client, 'SELECT data FROM blobs WHERE false')).toEqual([]);
    // Many rows, so many CopyData messages: each must survive the parser reusing its buffer.
    const slices = await copyColumn(
      client,
      'SELECT substring(data FROM i FOR 65536) FROM blobs, generate_series(1, length(data), 65536) AS i WHERE n = 1 ORDER BY i',
    );
    expect(slices.length).toBeGreaterThan(4);
    expect(Buffer.concat(slices as Buffer[]).equals(bytes)).toBe(true);
    await expect(copyColumn(client, "SELECT data FROM blobs WHERE n = 'x'::int")).rejects.toThrow(/invalid input syntax/);
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  } finally {
    client.release();
  }
});
