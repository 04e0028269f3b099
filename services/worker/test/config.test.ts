import { loadWorkerConfig } from '../src/config';

const base = { DATABASE_HOST: 'db', DATABASE_NAME: 'tasknote', DATABASE_USER: 'w', DATABASE_PASSWORD: 'pw' };

test('applies documented defaults', () => {
  expect(loadWorkerConfig(base)).toMatchObject({
    httpPort: 9090,
    thumbnailSizes: [64, 256],
    leaseSeconds: 60,
    maxAttempts: 5,
    backoffBaseMs: 2000,
    pollIntervalMs: 1000,
    concurrency: 2,
  });
});

test('parses, sorts and de-duplicates THUMBNAIL_SIZES', () => {
  expect(loadWorkerConfig({ ...base, THUMBNAIL_SIZES: '256, 64,256' }).thumbnailSizes).toEqual([64, 256]);
});

test('fails naming the variable when THUMBNAIL_SIZES or JOB_MAX_ATTEMPTS is bad', () => {
  expect(() => loadWorkerConfig({ ...base, THUMBNAIL_SIZES: '64,big' })).toThrow(
    "THUMBNAIL_SIZES: must be comma-separated widths between 1 and 4096, e.g. 64,256 (got '64,big')",
  );
  expect(() => loadWorkerConfig({ ...base, JOB_MAX_ATTEMPTS: '0' })).toThrow("JOB_MAX_ATTEMPTS: must be >= 1 (got '0')");
  expect(() => loadWorkerConfig({ ...base, JOB_CONCURRENCY: '0' })).toThrow("JOB_CONCURRENCY: must be >= 1 (got '0')");
});
