// How an environment's Secrets arrive (`secrets.provider`): the same Secret names and keys, the
// same pods, whichever way; only the objects that deliver the Secrets differ.
import { synthesizeConfig, synthesizeEnvironment } from '../../app/synth';
import { profileForEnvironment } from '../../app/check-profiles';
import { checkObjects, formatReport } from '../../check';
import { loadEnvironment } from '../../environments/load';
import { resolveImages } from '../../environments/images';
import { parseSealedFile, type SealedFile } from '../../environments/sealed-store';
import { planSeal } from '../../app/seal';
import { sealingKey } from '../../app/seal';
import { stackSecrets } from '../../app/stack';
import { stringify } from 'yaml';
import type { KubeObject } from '../../core/kube-object';
import { keyPair, unseal } from './sealing';
import { setArg, synthVerdict } from '../environments/boundaries';

const ES = { provider: 'external-secrets', store: { kind: 'ClusterSecretStore', name: 'aws-secrets-manager' } };
const objects = (out: { files: { objects: KubeObject[] }[] }) => out.files.flatMap((f) => f.objects);
/** The objects but the delivery ones and the Namespace, without the sealed content's fingerprint on pod templates. */
const withoutDelivery = (list: KubeObject[]) =>
  list
    .filter((o) => !['SealedSecret', 'ExternalSecret', 'Namespace'].includes(o.kind))
    .map((o) =>
      JSON.stringify(o)
        .replace(/,?"tasknote\.dev\/secret-hash":"[0-9a-f]{16}"/g, '')
        .replace(/"annotations":\{\},?/g, ''),
    );

const { publicPem, privateKey } = keyPair();

/** Sealed files for staging, as `npm run seal` writes them, parsed as synth reads them. */
function sealedFiles(namespace = 'tasknote-staging', mutate: (o: any) => void = () => {}): Map<string, SealedFile> {
  const values = new Map(stackSecrets().map((s) => [s.name, new Map(s.keys.map((k) => [k, Buffer.from(`canary-${s.name}-${k}`)]))]));
  const plan = planSeal(
    { env: 'staging', namespace, secrets: stackSecrets(), existing: new Map(), values, scope: 'strict', prune: false },
    sealingKey(publicPem, 'cert.pem'),
  );
  return new Map(
    plan.write.map((w) => {
      mutate(w.object);
      return [w.name, parseSealedFile(stringify(w.object), `environments/sealed/staging/${w.name}.yaml`)];
    }),
  );
}

function checked(env: 'staging', list: KubeObject[]) {
  return checkObjects(
    list.map((object) => ({ source: 'dist', object })),
    { name: env, profile: profileForEnvironment(env) },
  );
}

test('pulumi is the default: the deploy creates the three Secrets and synth emits no delivery object', () => {
  const out = synthesizeEnvironment('staging');
  expect(out.requiredSecrets.map((s) => s.name)).toEqual(['tasknote-admin', 'tasknote-database', 'tasknote-smtp']);
  expect(out.files.map((f) => f.path)).not.toContain('secrets.yaml');
  const explicit = synthesizeEnvironment('staging', { overrides: [setArg('secrets', { provider: 'pulumi' })] });
  expect(objects(explicit)).toEqual(objects(out));
});

describe('sealed-secrets', () => {
  const env = loadEnvironment('staging', [setArg('secrets', { provider: 'sealed-secrets' })]);
  const originals = sealedFiles();
  const out = synthesizeConfig(env, resolveImages(env), originals);
  const sealed = objects(out).filter((o) => o.kind === 'SealedSecret') as any[];

  test('one SealedSecret per Secret, in secrets.yaml, that the deploy does not create', () => {
    expect(out.requiredSecrets).toEqual([]);
    expect(out.files.find((f) => f.path === 'secrets.yaml')!.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'SealedSecret/tasknote-database',
      'SealedSecret/tasknote-admin',
      'SealedSecret/tasknote-smtp',
    ]);
    const ns = objects(out).find((o) => o.kind === 'Namespace')!;
    expect(ns.metadata.annotations!['check.tasknote.dev/provided']).toBe('Secret/tasknote-tls');
  });

  test('its ciphertexts open with the private key for the Secret they land in', () => {
    const smtp = sealed.find((o) => o.metadata.name === 'tasknote-smtp');
    expect(unseal(privateKey, smtp.spec.encryptedData.password, `${smtp.metadata.namespace}/${smtp.metadata.name}`)).toBe(
      'canary-tasknote-smtp-password',
    );
    expect(smtp.spec.template.metadata).toMatchObject({ name: 'tasknote-smtp', namespace: 'tasknote-staging' });
    expect(JSON.stringify(objects(out))).not.toContain('canary');
  });

  test('the pods are those of the pulumi way, and check passes (the SealedSecrets provide the Secrets)', () => {
    expect(withoutDelivery(objects(out))).toEqual(withoutDelivery(objects(synthesizeEnvironment('staging'))));
    const report = checked('staging', objects(out));
    expect(formatReport(report, 'text')).toContain(' 0 errors');
    expect(report.ok).toBe(true);
    const withoutAdmin = checked(
      'staging',
      objects(out).filter((o) => !(o.kind === 'SealedSecret' && o.metadata.name === 'tasknote-admin')),
    );
    expect([...new Set(withoutAdmin.targets[0].findings.map((f) => f.ruleId))]).toEqual(['missing-secret']);
  });

  test('re-sealing one Secret changes the pod templates that read it, and only those', () => {
    const templates = (list: KubeObject[]) =>
      Object.fromEntries(
        list
          .filter((o) => ['Deployment', 'StatefulSet', 'Job', 'CronJob'].includes(o.kind))
          .map((o: any) => [
            `${o.kind}/${o.metadata.name}`,
            (o.spec.jobTemplate?.spec ?? o.spec).template.metadata.annotations?.['tasknote.dev/secret-hash'],
          ]),
      );
    const before = templates(objects(out));
    // Sealing again makes new ciphertexts (a fresh session key per value), as a rotation does.
    const rotated = new Map(originals);
    rotated.set('tasknote-smtp', sealedFiles().get('tasknote-smtp')!);
    const after = templates(objects(synthesizeConfig(env, resolveImages(env), rotated)));
    const changed = Object.keys(before)
      .filter((k) => before[k] !== after[k])
      .sort();
    // SMTP credentials are read by the api (it sends mail) and the daily summary; not by the worker, the database or its backup.
    expect(changed).toEqual(['CronJob/tasknote-daily-summary', 'Deployment/tasknote-api']);
    // Every pod that reads a Secret carries the fingerprint; the cache, which reads none, does not.
    expect(
      Object.entries(before)
        .filter(([, h]) => h === undefined)
        .map(([k]) => k),
    ).toEqual(['Deployment/tasknote-redis']);
  });

  test('a sealed file missing, short of a key, or sealed for another namespace fails synth, naming it', () => {
    const partial = sealedFiles();
    partial.delete('tasknote-admin');
    expect(() => synthesizeConfig(env, resolveImages(env), partial)).toThrow(
      /environments\/sealed\/staging\/tasknote-admin.yaml is missing: run npm run seal -- --env staging/,
    );
    const short = sealedFiles('tasknote-staging', (o) => o.metadata.name === 'tasknote-smtp' && delete o.spec.encryptedData.username);
    expect(() => synthesizeConfig(env, resolveImages(env), short)).toThrow(/tasknote-smtp.yaml lacks key\(s\) username/);
    expect(() => synthesizeConfig(env, resolveImages(env), sealedFiles('tasknote-prod'))).toThrow(
      /sealedFor.namespace \("tasknote-prod"\) must be the chart's namespace \("tasknote-staging"\)/,
    );
  });
});

describe('external-secrets', () => {
  const out = synthesizeEnvironment('staging', {
    overrides: [setArg('secrets', { ...ES, refreshIntervalSeconds: 900, remoteKeys: { database: 'tasknote/staging/db' } })],
  });
  const external = objects(out).filter((o) => o.kind === 'ExternalSecret') as any[];

  test('one ExternalSecret per Secret, naming the store, the remote key and the refresh interval', () => {
    expect(out.requiredSecrets).toEqual([]);
    expect(external.map((o) => o.metadata.name)).toEqual(['tasknote-database', 'tasknote-admin', 'tasknote-smtp']);
    const db = external[0];
    expect(db.spec).toMatchObject({
      refreshInterval: '900s',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws-secrets-manager' },
      target: { name: 'tasknote-database', creationPolicy: 'Owner' },
      data: [{ secretKey: 'password', remoteRef: { key: 'tasknote/staging/db', property: 'password' } }],
    });
    expect(external[2].spec.data.map((d: any) => `${d.secretKey}<-${d.remoteRef.key}#${d.remoteRef.property}`)).toEqual([
      'password<-tasknote-staging/tasknote-smtp#password',
      'username<-tasknote-staging/tasknote-smtp#username',
    ]);
  });

  test('the refresh interval defaults to an hour, and check passes against the CRD schema', () => {
    const plain = synthesizeEnvironment('staging', { overrides: [setArg('secrets', ES)] });
    expect((objects(plain).find((o) => o.kind === 'ExternalSecret') as any).spec.refreshInterval).toBe('3600s');
    expect(checked('staging', objects(out)).ok).toBe(true);
    expect(withoutDelivery(objects(out))).toEqual(withoutDelivery(objects(synthesizeEnvironment('staging'))));
  });
});

describe('config is validated like every other field', () => {
  test.each([
    [{ provider: 'vault' }, 'secrets.provider'],
    [{ provider: 'external-secrets' }, 'secrets.store'],
    [{ ...ES, store: { kind: 'VaultStore', name: 'v' } }, 'secrets.store.kind'],
    [{ ...ES, store: { kind: 'SecretStore', name: 'Vault_Store' } }, 'secrets.store.name'],
    [{ ...ES, refreshIntervalSeconds: -1 }, 'secrets.refreshIntervalSeconds'],
    [{ ...ES, refreshIntervalSeconds: 1.5 }, 'secrets.refreshIntervalSeconds'],
    [{ ...ES, refreshIntervalSeconds: 604801 }, 'secrets.refreshIntervalSeconds'],
    [{ ...ES, remoteKeys: { database: 'has space' } }, 'secrets.remoteKeys'],
    [{ ...ES, remoteKeys: { cache: 'tasknote/cache' } }, 'secrets.remoteKeys.cache'],
    [{ provider: 'pulumi', store: ES.store }, 'secrets.store'],
    [{ provider: 'sealed-secrets', refreshIntervalSeconds: 60 }, 'secrets.refreshIntervalSeconds'],
  ])('refuses %j, naming %s', (value, field) => {
    const verdict = synthVerdict('staging', [setArg('secrets', value)]);
    expect(verdict.accepted).toBe(false);
    expect(verdict.message).toContain(field);
    expect(verdict.message).toContain('Nothing was written.');
  });

  test.each([[{ ...ES, refreshIntervalSeconds: 0 }], [{ ...ES, store: { kind: 'SecretStore', name: 'vault.team-a' } }]])(
    'accepts %j',
    (value) => {
      expect(synthVerdict('staging', [setArg('secrets', value)]).message).toBe('');
    },
  );
});
