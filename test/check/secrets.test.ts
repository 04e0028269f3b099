import { runCheck } from '../../check/engine';
import { credentialReason, entropy } from '../../check/secrets';
import { GENERIC_PROFILE } from '../../check/types';

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

describe('secret-plaintext', () => {
  const secret = (field: 'data' | 'stringData', values: Record<string, string>) => ({
    source: 'secret.yaml',
    object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'smtp', namespace: 'mail' }, type: 'Opaque', [field]: values },
  });
  const plaintext = (item: ReturnType<typeof secret>, profile = GENERIC_PROFILE) =>
    runCheck([item], { profile }).findings.filter((f) => f.ruleId === 'secret-plaintext');

  test('warns under the generic profile on a credential in stringData, naming the key and never the value', () => {
    const [f, ...rest] = plaintext(secret('stringData', { password: 'correct-horse-battery', from: 'noreply@example.com' }));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ severity: 'warning', path: 'stringData.password' });
    expect(f.found).toContain('password');
    expect(JSON.stringify(f)).not.toContain('correct-horse-battery');
  });

  test('reads data through base64, which is no encryption', () => {
    const [f] = plaintext(secret('data', { token: Buffer.from('ghp_abcdefghijklmnopqrstuvwxyz0123456789').toString('base64') }));
    expect(f.found).toContain('base64 is no encryption');
    expect(JSON.stringify(f)).not.toContain('ghp_');
  });

  test('leaves the finding to secret-has-data (an error) where a profile turns on conventions', () => {
    const item = secret('stringData', { password: 'correct-horse-battery' });
    expect(plaintext(item, { name: 'owner', groups: ['conventions'] })).toEqual([]);
    expect(runCheck([item], { profile: { name: 'owner', groups: ['conventions'] } }).findings.map((f) => f.ruleId)).toContain(
      'secret-has-data',
    );
  });
});
