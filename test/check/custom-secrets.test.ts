// SealedSecrets and ExternalSecrets provide their Secrets: a secretKeyRef to a Secret that one
// of them makes resolves, and one made by nothing still fails.
import path from 'node:path';
import { runCheck } from '../../check/engine';
import { listFiles, loadFiles } from '../../check/load';
import { secretMadeBy } from '../../check/model';
import { CHECK_PROFILES } from '../../app/check-profiles';
import type { SourcedObject } from '../../check/types';

const base = loadFiles(listFiles([path.join(__dirname, '..', 'fixtures', 'check', 'good')])).items;

/** The good fixture with tasknote-database no longer declared as provided on the Namespace. */
const withoutProvided: SourcedObject[] = base.map((item) =>
  item.object.kind !== 'Namespace'
    ? item
    : {
        ...item,
        object: {
          ...item.object,
          metadata: { ...item.object.metadata, annotations: { 'check.tasknote.dev/provided': 'Secret/tasknote-tls' } },
        },
      },
);

const sealed = {
  apiVersion: 'bitnami.com/v1alpha1',
  kind: 'SealedSecret',
  metadata: { name: 'tasknote-database', namespace: 'tasknote' },
  spec: {
    encryptedData: { password: 'AgBy3i4OJSWK+PiTySYZZA==' },
    template: { metadata: { name: 'tasknote-database', namespace: 'tasknote' } },
  },
};
const external = (target: Record<string, unknown>) => ({
  apiVersion: 'external-secrets.io/v1',
  kind: 'ExternalSecret',
  metadata: { name: 'db-from-vault', namespace: 'tasknote' },
  spec: {
    refreshInterval: '1h',
    secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
    target,
    data: [{ secretKey: 'password', remoteRef: { key: 'tasknote/database', property: 'password' } }],
  },
});

const ids = (items: SourcedObject[]) =>
  [...new Set(runCheck(items, { profile: CHECK_PROFILES.prod }).findings.map((f) => f.ruleId))].sort();
const plus = (o: object) => [...withoutProvided, { source: 'secrets.yaml', object: o as SourcedObject['object'] }];

test('without a provider the Secret references dangle', () => {
  expect(ids(withoutProvided)).toEqual(['missing-secret']);
});

test('a SealedSecret of the same name provides the Secret', () => {
  expect(ids(plus(sealed))).toEqual([]);
});

test('a SealedSecret in another namespace does not', () => {
  expect(ids(plus({ ...sealed, metadata: { ...sealed.metadata, namespace: 'elsewhere' } }))).toContain('missing-secret');
});

test("an ExternalSecret provides its target's Secret, and with creationPolicy Merge none", () => {
  expect(ids(plus(external({ name: 'tasknote-database' })))).toEqual([]);
  expect(ids(plus(external({ name: 'tasknote-database', creationPolicy: 'Merge' })))).toEqual(['missing-secret']);
  expect(ids(plus(external({})))).toEqual(['missing-secret']);
  expect(secretMadeBy(external({}))).toBe('db-from-vault');
});
