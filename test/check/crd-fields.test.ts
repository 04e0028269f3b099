// A misspelled field in a SealedSecret or ExternalSecret is an unknown field, as the API server's
// strict field validation says; the packaged validators alone accept it. The field table is
// derived from the pinned packages (npm run generate:crd-fields) and must be in step with them.
import { readFileSync } from 'node:fs';
import { checkSchema } from '../../check/schema';
import { crdFieldProblems } from '../../check/crd-fields';
import { synthesizeEnvironment } from '../../app/synth';
import { CRD_FIELDS_FILE, buildCrdFieldTable, renderCrdFieldTable } from '../../scripts/generate/crd-fields';
import type { KubeObject } from '../../core/kube-object';

const NONE = { kinds: new Set<string>(), groups: new Set<string>() };
const unknownFields = (o: object) =>
  checkSchema(o as KubeObject, NONE)
    .filter((v) => v.ruleId === 'unknown-field')
    .map((v) => ({ path: v.path.join('.'), found: v.found, fix: v.fix }));

test('check/crd-fields.json is what the pinned packages declare (npm run generate:crd-fields)', () => {
  expect(readFileSync(CRD_FIELDS_FILE, 'utf8')).toBe(renderCrdFieldTable(buildCrdFieldTable()));
});

test('a SealedSecret with misspelled fields: each is found, with the field it meant', () => {
  const sealed = {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name: 'tasknote-admin', namespace: 'tasknote-prod', lables: { a: 'b' } },
    spec: {
      encryptedData: { token: 'AgBy3i4OJSWK+PiTySYZZA==' },
      template: { metadata: { name: 'tasknote-admin', namespace: 'tasknote-prod', anotations: {} }, typ: 'Opaque' },
      encrypteddata: {},
    },
  };
  expect(unknownFields(sealed)).toEqual([
    { path: 'metadata.lables', found: 'unknown field "lables" in ObjectMeta', fix: 'did you mean "labels"?' },
    { path: 'spec.template.metadata.anotations', found: 'unknown field "anotations" in ObjectMeta', fix: 'did you mean "annotations"?' },
    { path: 'spec.template.typ', found: 'unknown field "typ" in SecretTemplateSpec', fix: 'did you mean "type"?' },
    { path: 'spec.encrypteddata', found: 'unknown field "encrypteddata" in SealedSecretSpec', fix: 'did you mean "encryptedData"?' },
  ]);
});

test('an ExternalSecret: fields inside lists are walked too, and a field with no near match lists the known ones', () => {
  const external = {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'tasknote-database', namespace: 'tasknote-staging' },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
      target: { name: 'tasknote-database', creationPolicy: 'Owner', owner: 'me' },
      data: [{ secretKey: 'password', remoteRef: { key: 'tasknote/database', proprety: 'password' } }],
    },
  };
  const found = unknownFields(external);
  expect(found.map((f) => [f.path, f.fix.split(';')[0]])).toEqual([
    ['spec.target.owner', 'remove it'],
    ['spec.data.0.remoteRef.proprety', 'did you mean "property"?'],
  ]);
  expect(found[0].fix).toContain('creationPolicy');
});

// What synth writes for sealed-secrets passes check whole: test/app/secret-providers.test.ts.
test('what synth writes for external-secrets has no unknown field, and kinds the table does not list are not walked', () => {
  const overrides = ['secrets={"provider":"external-secrets","store":{"kind":"SecretStore","name":"vault"}}'];
  const custom = synthesizeEnvironment('staging', { overrides })
    .files.flatMap((f) => f.objects)
    .filter((o) => o.kind === 'ExternalSecret');
  expect(custom.length).toBe(3);
  for (const o of custom) expect(unknownFields(o)).toEqual([]);
  expect(crdFieldProblems({ apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', spec: { anything: 1 } } as never)).toEqual([]);
});
