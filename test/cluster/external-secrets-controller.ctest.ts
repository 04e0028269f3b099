// The real External Secrets Operator (built from github.com/external-secrets/external-secrets by
// the toolchain) makes every Secret from the ExternalSecrets synth writes, read from a
// ClusterSecretStore of its offline `fake` provider, applied from dist/<env> with plain
// `kubectl apply --server-side -k`; a changed remote value reaches the Secret within the refresh
// interval. Its own etcd and kube-apiserver on free ports (./own-control-plane.ts).
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { synthesizeEnvironment, writeOutputs } from '../../app/synth';
import { checkSchema } from '../../check/schema';
import { freePort, startControlPlane, toolchainPath, until as untilIn, type OwnControlPlane } from './own-control-plane';

const CONTROLLER = toolchainPath('TOOLCHAIN_EXTERNAL_SECRETS');
const CRDS = toolchainPath('TOOLCHAIN_EXTERNAL_SECRETS_CRDS');

let cp: OwnControlPlane;
const until = <T>(what: string, probe: () => T | undefined) => untilIn(what, probe, 90, cp.dir);
const kubectl = (...args: string[]) => cp.kubectl(...args);

const REMOTE: Record<string, Record<string, string>> = {
  'tasknote-staging/tasknote-database': { password: 'CANARY-db-91' },
  'tasknote/staging/admin': { token: 'CANARY-admin-91' },
  'tasknote-staging/tasknote-smtp': { username: 'mailer', password: 'CANARY-smtp-91' },
};
const store = (remote: Record<string, Record<string, string>>) =>
  JSON.stringify({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: { name: 'offline-fake' },
    spec: { provider: { fake: { data: Object.entries(remote).map(([key, v]) => ({ key, value: JSON.stringify(v) })) } } },
  });
const apply = (json: string) => {
  const r = spawnSync(
    toolchainPath('TOOLCHAIN_KUBECTL'),
    ['--kubeconfig', cp.kubeconfig, 'apply', '--server-side', '--force-conflicts', '-f', '-'],
    {
      input: json,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(r.stderr);
};
const secretValue = (name: string, key: string) =>
  Buffer.from(kubectl('-n', 'tasknote-staging', 'get', 'secret', name, '-o', `jsonpath={.data.${key}}`), 'base64').toString();
const ready = (name: string) =>
  (
    JSON.parse(kubectl('-n', 'tasknote-staging', 'get', 'externalsecret', name, '-o', 'jsonpath={.status.conditions}') || '[]') as any[]
  ).some((c) => c.type === 'Ready' && c.status === 'True');

beforeAll(async () => {
  cp = await startControlPlane('tasknote-eso-cp-');
  kubectl('apply', '--server-side', '-k', CRDS); // the module's own kustomization of its CRDs
  await until('the ExternalSecret CRD', () =>
    kubectl('wait', '--for=condition=Established', 'crd/externalsecrets.external-secrets.io', '--timeout=1s'),
  );
  cp.start('external-secrets', CONTROLLER, ['--metrics-addr', `127.0.0.1:${await freePort()}`, '--concurrent', '2'], {
    ...process.env,
    KUBECONFIG: cp.kubeconfig,
  });
  apply(store(REMOTE));
}, 180_000);

afterAll(() => cp?.stop(), 60_000);

test('every Secret is made from its ExternalSecret, read from the store, applied with kubectl apply --server-side -k', async () => {
  const out = synthesizeEnvironment('staging', {
    overrides: [
      'secrets={"provider":"external-secrets","store":{"kind":"ClusterSecretStore","name":"offline-fake"},"refreshIntervalSeconds":1,"remoteKeys":{"admin":"tasknote/staging/admin"}}',
    ],
  });
  const dist = join(cp.dir, 'dist');
  writeOutputs([out], dist);
  const grep = spawnSync('grep', ['-r', '-l', 'CANARY', dist], { encoding: 'utf8' });
  expect([grep.status, grep.stdout]).toEqual([1, '']);
  kubectl('apply', '--server-side', '-k', join(dist, 'staging'));
  for (const name of ['tasknote-database', 'tasknote-admin', 'tasknote-smtp'])
    await until(`ExternalSecret ${name} Ready`, () => (ready(name) ? true : undefined));
  expect(secretValue('tasknote-database', 'password')).toBe('CANARY-db-91');
  expect(secretValue('tasknote-admin', 'token')).toBe('CANARY-admin-91');
  expect([secretValue('tasknote-smtp', 'username'), secretValue('tasknote-smtp', 'password')]).toEqual(['mailer', 'CANARY-smtp-91']);
  const owner = kubectl('-n', 'tasknote-staging', 'get', 'secret', 'tasknote-smtp', '-o', 'jsonpath={.metadata.ownerReferences[0].kind}');
  expect(owner).toBe('ExternalSecret');
}, 180_000);

test('a value changed in the store reaches the Secret on the next sync', async () => {
  apply(store({ ...REMOTE, 'tasknote-staging/tasknote-smtp': { username: 'mailer', password: 'CANARY-smtp-rotated-92' } }));
  // The operator syncs again every refreshInterval. On a loaded machine a store change has twice
  // waited longer than that, once past the 90 s below (the lane run of 2026-12-01 22:30), so the
  // test asks for a sync as an operator on call would (`kubectl annotate externalsecret …
  // force-sync=…`), and asks again every 60 polls (15-20 s) while it waits.
  const forceSync = () =>
    kubectl('-n', 'tasknote-staging', 'annotate', 'externalsecret', 'tasknote-smtp', `force-sync=${Date.now()}`, '--overwrite');
  forceSync();
  let polls = 0;
  await until('the refreshed value', () => {
    if (++polls % 60 === 0) forceSync();
    return secretValue('tasknote-smtp', 'password') === 'CANARY-smtp-rotated-92' ? true : undefined;
  }).catch((err: Error) => {
    const status = kubectl('-n', 'tasknote-staging', 'get', 'externalsecret', 'tasknote-smtp', '-o', 'jsonpath={.status}');
    throw new Error(`${err.message}; the ExternalSecret's status: ${status}`);
  });
  expect(secretValue('tasknote-smtp', 'username')).toBe('mailer');
}, 180_000);

test("a misspelled field: the API server's strict field validation refuses it, and check finds it offline", () => {
  const [good] = synthesizeEnvironment('staging', {
    overrides: ['secrets={"provider":"external-secrets","store":{"kind":"ClusterSecretStore","name":"offline-fake"}}'],
  })
    .files.flatMap((f) => f.objects)
    .filter((o) => o.kind === 'ExternalSecret') as any[];
  const typo = {
    ...good,
    spec: { ...good.spec, data: [{ ...good.spec.data[0], remoteRef: { ...good.spec.data[0].remoteRef, proprety: 'x' } }] },
  };
  expect(cp.strictDryRun(good)).toMatchObject({ status: 0 });
  const refused = cp.strictDryRun(typo);
  expect(refused.status).not.toBe(0);
  expect(refused.stderr).toContain('.spec.data[0].remoteRef.proprety: field not declared in schema');
  expect(checkSchema(typo, { kinds: new Set(), groups: new Set() }).map((v) => `${v.ruleId} ${v.path.join('.')}`)).toEqual([
    'unknown-field spec.data.0.remoteRef.proprety',
  ]);
});
