import { PROVIDED_ANNOTATION, SecretReference, SecretReferenceProps, Worker } from '../../constructs';
import { containerOf, makeChart, ofKind, only, synth, workerProps } from './helpers';

const props: SecretReferenceProps = { name: 'tasknote-database', keys: ['password'], description: 'password of the tasknote user' };

test('minimal props snapshot', () => {
  const chart = makeChart();
  new SecretReference(chart, 'db', props);
  expect(synth(chart)).toMatchSnapshot();
});

test('synthesizes no Secret object', () => {
  const chart = makeChart();
  new SecretReference(chart, 'db', props);
  expect(ofKind(synth(chart), 'Secret')).toEqual([]);
  expect(synth(chart).map((o) => o.kind)).toEqual(['Namespace']);
});

test('declares itself on the Namespace annotation check.tasknote.dev/provided', () => {
  const chart = makeChart();
  new SecretReference(chart, 'smtp', { ...props, name: 'tasknote-smtp' });
  new SecretReference(chart, 'db', props);
  expect(only(synth(chart), 'Namespace').metadata.annotations).toEqual({
    [PROVIDED_ANNOTATION]: 'Secret/tasknote-database,Secret/tasknote-smtp',
  });
});

test("providedBy defaults to 'deploy'", () => {
  const chart = makeChart();
  expect(new SecretReference(chart, 'db', props).providedBy).toBe('deploy');
  expect(chart.providedObjects).toEqual([
    { kind: 'Secret', name: 'tasknote-database', keys: ['password'], description: 'password of the tasknote user', providedBy: 'deploy' },
  ]);
  expect(new SecretReference(makeChart(), 'tls', { ...props, providedBy: 'controller' }).providedBy).toBe('controller');
});

test('declaring the same Secret twice merges its keys', () => {
  const chart = makeChart();
  new SecretReference(chart, 'a', { ...props, keys: ['username', 'password'] });
  new SecretReference(chart, 'b', { ...props, keys: ['password', 'host'] });
  expect(chart.providedObjects.map((o) => o.keys)).toEqual([['host', 'password', 'username']]);
  expect(only(synth(chart), 'Namespace').metadata.annotations[PROVIDED_ANNOTATION]).toBe('Secret/tasknote-database');
});

test('env() gives a secretKeyRef, never the value', () => {
  const chart = makeChart();
  const secret = new SecretReference(chart, 'db', props);
  new Worker(chart, 'worker', workerProps({ env: { DATABASE_PASSWORD: secret.env('password') } }));
  expect(containerOf(only(synth(chart), 'Deployment')).env).toEqual([
    { name: 'DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 'tasknote-database', key: 'password', optional: false } } },
  ]);
});

test('fails when env() asks for an undeclared key', () => {
  const secret = new SecretReference(makeChart(), 'db', { ...props, keys: ['password', 'user'] });
  expect(() => secret.env('token')).toThrow('SecretReference \'tasknote-database\' has no key "token"; declared keys: password, user');
});

describe('rules', () => {
  const build = (overrides: Partial<SecretReferenceProps>) => () => new SecretReference(makeChart(), 'db', { ...props, ...overrides });

  test('fails when name is not a DNS-1123 label', () => {
    expect(build({ name: 'Database' })).toThrow('name ("Database") must be a DNS-1123 label');
  });

  test('fails when keys is empty', () => {
    expect(build({ keys: [] })).toThrow('keys ([]) must list at least one key');
  });

  test('fails when a key holds other characters', () => {
    expect(build({ keys: ['password', 'a key/x'] })).toThrow(
      "keys ([\"password\",\"a key/x\"]) may hold only letters, digits, '-', '_' and '.'",
    );
  });

  test('fails with every problem in one error', () => {
    expect(build({ name: '-x', keys: ['ok', 'b@d'] })).toThrow(/name \("-x"\)[^]*keys \(\["ok","b@d"\]\)/);
  });
});
