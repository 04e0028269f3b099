import { configKeyFor, missingConfiguredSecrets, planSecrets } from '../../deploy/secret-values';
import { REQUIRED_SECRETS } from './fixtures';

describe('configKeyFor', () => {
  test("camel-cases the Secret's logical id, then the key", () => {
    expect(configKeyFor('database', 'password')).toBe('databasePassword');
    expect(configKeyFor('smtp', 'username')).toBe('smtpUsername');
    expect(configKeyFor('admin', 'token')).toBe('adminToken');
    expect(configKeyFor('other-thing', 'api_key')).toBe('otherThingApiKey');
  });
});

describe('planSecrets', () => {
  test('generates every value by default, without symbols', () => {
    const specs = planSecrets(REQUIRED_SECRETS);
    expect(specs.map((s) => s.name)).toEqual(['tasknote-database', 'tasknote-admin', 'tasknote-smtp']);
    expect(specs[2].values).toEqual([
      { secretName: 'tasknote-smtp', key: 'username', configKey: 'smtpUsername', generate: { length: 16, upper: false, special: false } },
      { secretName: 'tasknote-smtp', key: 'password', configKey: 'smtpPassword', generate: { length: 32, upper: true, special: false } },
    ]);
  });

  test('never generates values that must be configured', () => {
    const specs = planSecrets(REQUIRED_SECRETS, ['smtpUsername', 'smtpPassword']);
    expect(specs[2].values.map((v) => v.generate)).toEqual([undefined, undefined]);
    expect(specs[0].values[0].generate).toBeDefined();
  });

  test('fails when a must-be-configured key is used by no Secret', () => {
    expect(() => planSecrets(REQUIRED_SECRETS, ['smtpPasword'])).toThrow(
      "tasknote:configuredSecrets names 'smtpPasword', which no Secret uses; allowed: databasePassword, adminToken, smtpUsername, smtpPassword",
    );
  });
});

test('a renamed Secret keeps its config keys, and so its configured or generated values', () => {
  // StackSecrets names each generated value's Stash by its config key: same key, same kept value.
  const renamed = REQUIRED_SECRETS.map((s) => (s.id === 'database' ? { ...s, name: 'tasknote-db-credentials' } : s));
  const keys = (specs: ReturnType<typeof planSecrets>) => specs.flatMap((s) => s.values.map((v) => `${v.configKey} ${v.key}`));
  expect(keys(planSecrets(renamed))).toEqual(keys(planSecrets(REQUIRED_SECRETS)));
  expect(planSecrets(renamed)[0]).toMatchObject({ name: 'tasknote-db-credentials', values: [{ secretName: 'tasknote-db-credentials', configKey: 'databasePassword' }] });
});

describe('missingConfiguredSecrets', () => {
  test('lists the commands that set each missing value', () => {
    const specs = planSecrets(REQUIRED_SECRETS, ['smtpUsername', 'smtpPassword']);
    expect(missingConfiguredSecrets(specs, (k) => k === 'smtpUsername', 'prod')).toBe(
      "stack 'prod' needs these secrets set before it can deploy:\n" +
        "  pulumi config set --secret --stack prod tasknote:smtpPassword <value>   # tasknote-smtp key 'password'",
    );
    expect(missingConfiguredSecrets(specs, () => true, 'prod')).toBeUndefined();
  });
});
