import { Duration } from 'cdk8s';
import { ExternalSecret, PROVIDED_ANNOTATION, PropsValidationError, SealedSecret, SecretReference } from '../../constructs';
import { makeChart, only, synth } from './helpers';

const CIPHER = 'AgBy3i4OJSWK+PiTySYZZA==';

describe('SealedSecret', () => {
  test('emits a bitnami.com/v1alpha1 SealedSecret whose template names the Secret in the chart namespace', () => {
    const chart = makeChart();
    new SealedSecret(chart, 'db', { name: 'tasknote-database', component: 'secrets', encryptedData: { password: CIPHER } });
    const o = only(synth(chart), 'SealedSecret');
    expect(o.apiVersion).toBe('bitnami.com/v1alpha1');
    expect(o.metadata).toMatchObject({ name: 'tasknote-database', namespace: 'tasknote-test' });
    expect(o.metadata.annotations).toBeUndefined();
    expect(o.spec.encryptedData).toEqual({ password: CIPHER });
    expect(o.spec.template).toMatchObject({ type: 'Opaque', metadata: { name: 'tasknote-database', namespace: 'tasknote-test' } });
    expect(o.spec.template.metadata.labels['app.kubernetes.io/name']).toBe('tasknote-database');
  });

  test("scope defaults to 'strict' and other scopes are annotated as the controller reads them", () => {
    const chart = makeChart();
    expect(new SealedSecret(chart, 'a', { name: 'a', component: 'secrets', encryptedData: { k: CIPHER } }).scope).toBe('strict');
    new SealedSecret(chart, 'b', {
      name: 'b',
      component: 'secrets',
      encryptedData: { k: CIPHER },
      scope: 'namespace-wide',
      sealedFor: { name: 'old' },
    });
    const b = synth(chart).find((o) => o.metadata.name === 'b')!;
    expect(b.metadata.annotations).toEqual({ 'sealedsecrets.bitnami.com/namespace-wide': 'true' });
  });

  test('refuses values sealed for another namespace or name, naming the field, the value and the fix', () => {
    const chart = makeChart();
    const make = (sealedFor: { namespace?: string; name?: string }, scope?: 'strict' | 'cluster-wide') => () =>
      new SealedSecret(chart, `s${Math.random()}`, {
        name: 'tasknote-admin',
        component: 'secrets',
        encryptedData: { token: CIPHER },
        sealedFor,
        scope,
      });
    expect(make({ namespace: 'tasknote-prod' })).toThrow(
      /sealedFor.namespace \("tasknote-prod"\) must be the chart's namespace \("tasknote-test"\)/,
    );
    expect(make({ name: 'tasknote-root' })).toThrow(/sealedFor.name \("tasknote-root"\) must be the Secret's name \("tasknote-admin"\)/);
    expect(make({ namespace: 'anywhere', name: 'any' }, 'cluster-wide')).not.toThrow();
  });

  test('validates its props early, reporting every problem', () => {
    const chart = makeChart();
    let err: unknown;
    try {
      new SealedSecret(chart, 'bad', { name: 'Bad_Name', component: 'secrets', encryptedData: { 'a b': 'not base64!' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PropsValidationError);
    expect((err as PropsValidationError).problems).toEqual([
      expect.stringContaining('name ("Bad_Name")'),
      expect.stringContaining('encryptedData keys (["a b"])'),
      expect.stringContaining('encryptedData values of ["a b"] must be base64 ciphertext'),
    ]);
    expect(() => new SealedSecret(chart, 'empty', { name: 'e', component: 'secrets', encryptedData: {} })).toThrow(
      /encryptedData \(\{\}\) must hold at least one key/,
    );
  });
});

describe('ExternalSecret', () => {
  const props = {
    name: 'tasknote-smtp',
    component: 'secrets',
    store: { kind: 'SecretStore', name: 'vault' } as const,
    remoteKey: 'tasknote/smtp',
    keys: ['username', 'password'],
  };

  test('reads each key from the remote property of the same name, refreshing hourly by default', () => {
    const chart = makeChart();
    new ExternalSecret(chart, 'smtp', props);
    const o = only(synth(chart), 'ExternalSecret');
    expect(o.apiVersion).toBe('external-secrets.io/v1');
    expect(o.spec).toMatchObject({
      refreshInterval: '3600s',
      secretStoreRef: { kind: 'SecretStore', name: 'vault' },
      target: { name: 'tasknote-smtp', creationPolicy: 'Owner' },
      data: [
        { secretKey: 'password', remoteRef: { key: 'tasknote/smtp', property: 'password' } },
        { secretKey: 'username', remoteRef: { key: 'tasknote/smtp', property: 'username' } },
      ],
    });
  });

  test('takes a refresh interval and refuses bad props, naming each field', () => {
    const chart = makeChart();
    new ExternalSecret(chart, 'x', { ...props, refreshInterval: Duration.minutes(5) });
    expect(only(synth(chart), 'ExternalSecret').spec.refreshInterval).toBe('300s');
    expect(
      () =>
        new ExternalSecret(chart, 'y', { ...props, store: { kind: 'Vault' as 'SecretStore', name: 'UPPER' }, remoteKey: ' ', keys: [] }),
    ).toThrow(/store.kind \("Vault"\)[\s\S]*store.name \("UPPER"\)[\s\S]*remoteKey \(" "\)[\s\S]*keys \(\[\]\)/);
  });
});

test('a SecretReference provided by the manifests declares nothing on the Namespace', () => {
  const chart = makeChart();
  new SecretReference(chart, 'db', { name: 'tasknote-database', keys: ['password'], description: 'd', providedBy: 'manifests' });
  expect(only(synth(chart), 'Namespace').metadata.annotations?.[PROVIDED_ANNOTATION]).toBeUndefined();
});
