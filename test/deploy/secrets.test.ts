import { configKeyFor, missingConfiguredSecrets, planSecrets } from '../../deploy/secrets';
import { REQUIRED_SECRETS } from './fixtures';

describe('configKeyFor', () => {
  test('camel-cases the secret name without its prefix, then the key', () => {
    expect(configKeyFor('tasknote-database', 'password')).toBe('databasePassword');
    expect(configKeyFor('tasknote-smtp', 'username')).toBe('smtpUsername');
    expect(configKeyFor('tasknote-admin', 'token')).toBe('adminToken');
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
