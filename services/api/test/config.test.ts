import { loadServeConfig, loadSummaryConfig } from '../src/config';

const base = {
  DATABASE_HOST: 'db',
  DATABASE_NAME: 'tasknote',
  DATABASE_USER: 'tasknote',
  DATABASE_PASSWORD: 's3cret-value',
  REDIS_HOST: 'redis',
  ADMIN_TOKEN: 'a'.repeat(32),
};

test('applies documented defaults', () => {
  const config = loadServeConfig(base);
  expect(config).toMatchObject({
    port: 8080,
    logLevel: 'info',
    database: { port: 5432 },
    redis: { port: 6379 },
    cacheTtlSeconds: 60,
    maxUploadBytes: 10 * 1024 * 1024,
    shutdownDrainSeconds: 5,
  });
});

test('fails naming every bad variable, without echoing secrets', () => {
  const attempt = () =>
    loadServeConfig({ ...base, PORT: 'eighty', DATABASE_HOST: undefined, ADMIN_TOKEN: 'short-secret' });
  expect(attempt).toThrow("PORT: must be an integer (got 'eighty')");
  expect(attempt).toThrow('DATABASE_HOST: is required (it is not set)');
  expect(attempt).toThrow('ADMIN_TOKEN: must be at least 32 characters (value hidden)');
  expect(attempt).not.toThrow(/short-secret/);
});

test('fails when an upload limit above 10 MiB is configured', () => {
  expect(() => loadServeConfig({ ...base, MAX_UPLOAD_BYTES: String(10 * 1024 * 1024 + 1) })).toThrow(
    'MAX_UPLOAD_BYTES: must be <= 10485760',
  );
});

test('fails when only one of SMTP_USER and SMTP_PASSWORD is set, or the time zone is unknown', () => {
  const summary = { ...base, SMTP_HOST: 'mail', SMTP_FROM: 'tasknote@example.com' };
  expect(loadSummaryConfig(summary)).toMatchObject({ timeZone: 'UTC', smtp: { port: 587 } });
  expect(() => loadSummaryConfig({ ...summary, SMTP_USER: 'u' })).toThrow(
    'SMTP_PASSWORD: SMTP_USER and SMTP_PASSWORD must be set together',
  );
  expect(() => loadSummaryConfig({ ...summary, SUMMARY_TIME_ZONE: 'Mars/Olympus' })).toThrow(
    "SUMMARY_TIME_ZONE: must be an IANA time zone such as Europe/Paris (got 'Mars/Olympus')",
  );
});
