import { credentialReason, entropy } from '../../check/secrets';

describe('credentialReason', () => {
  test.each([
    ['DATABASE_PASSWORD', 'hunter2hunter2'],
    ['API_KEY', 'abc123def456'],
    ['SESSION_SIGNING', 'Zx8Qp2LmN4vR7tY1wK9sB3dF6hJ0gA5c'],
    ['DATABASE_URL', 'postgres://app:s3cret@db:5432/app'],
    ['AWS_ACCESS_KEY_ID', 'AKIAIOSFODNN7EXAMPLE'],
    ['GITHUB', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['cert.pem', '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----'],
    ['app.ini', '[smtp]\npassword = correct-horse-battery'],
  ])('flags %s', (name, value) => {
    expect(credentialReason(name, value)).toBeDefined();
  });

  test.each([
    ['LOG_LEVEL', 'info'],
    ['DATABASE_PASSWORD_FILE', '/var/run/secrets/db/password'],
    ['AUTH_ENABLED', 'true'],
    ['TOKEN_TTL_SECONDS', '3600'],
    ['SMTP_USERNAME', 'tasknote'],
    ['OAUTH_CALLBACK', 'https://tasknote.example.com/auth/callback'],
    ['PASSWORD', ''],
    ['API_TOKEN', '$(API_TOKEN)'],
    ['IMAGE', 'registry.example.com/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'],
    ['CHECKSUM', '0123456789abcdef0123456789abcdef0123456789abcdef'],
    ['config.json', '{"database": {"passwordFile": "/run/secrets/db"}}'],
    ['MESSAGE', 'Your daily summary of open and finished tasks'],
  ])('leaves %s alone', (name, value) => {
    expect(credentialReason(name, value)).toBeUndefined();
  });
});

test('entropy is 0 for one repeated character and log2(n) for n distinct ones', () => {
  expect(entropy('aaaa')).toBe(0);
  expect(entropy('abcd')).toBe(2);
});
