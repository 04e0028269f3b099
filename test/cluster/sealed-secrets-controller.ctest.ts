// The real sealed-secrets controller (built from github.com/bitnami-labs/sealed-secrets by the
// toolchain) unseals what `npm run seal` writes, applied from dist/<env> with plain
// `kubectl apply --server-side -k`, the GitOps path (no Pulumi). It runs against a control plane
// of its own (etcd and kube-apiserver of the toolchain on free loopback ports, so it never clashes
// with the lane's fixed ones), the controller with in-cluster config in a private mount namespace
// (its service-account files exist only there). Needs root, openssl and the TOOLCHAIN_* paths that
// scripts/cluster/lane.sh exports.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runSeal } from '../../app/commands/seal';
import { synthesizeConfig, writeOutputs } from '../../app/synth';
import { checkSchema } from '../../check/schema';
import { loadEnvironment } from '../../environments/load';
import { resolveImages } from '../../environments/images';
import { loadSealedFiles } from '../../environments/sealed-store';
import {
  startControlPlane,
  startSealedSecretsController,
  toolchainPath,
  until as untilIn,
  type OwnControlPlane,
} from './own-control-plane';

const CRD = toolchainPath('TOOLCHAIN_SEALED_SECRETS_CRD');

let cp: OwnControlPlane;
let dir = '';
let certUrl = '';
const kubectl = (...args: string[]) => cp.kubectl(...args);
const until = <T>(what: string, probe: () => T | undefined) => untilIn(what, probe, 60, dir);

beforeAll(async () => {
  cp = await startControlPlane('tasknote-sealed-cp-');
  dir = cp.dir;
  kubectl('apply', '-f', CRD);
  await until('the SealedSecret CRD', () =>
    kubectl('wait', '--for=condition=Established', 'crd/sealedsecrets.bitnami.com', '--timeout=1s'),
  );
  ({ certUrl } = await startSealedSecretsController(cp, dir, 'controller', {
    apiPort: cp.apiPort,
    token: cp.token,
    caPem: readFileSync(cp.ca),
  }));
}, 180_000);

afterAll(() => cp?.stop(), 60_000);

const repo = () => join(dir, 'repo');
const VALUES = {
  'tasknote-database': { password: 'CANARY-db-77' },
  'tasknote-admin': { token: 'CANARY-admin-77' },
  'tasknote-smtp': { username: 'mailer', password: 'CANARY-smtp-77' },
};
const seal = (stdin: object | undefined, fromFile: string[] = [], root = repo()) =>
  runSeal(
    { env: 'staging', fromFile, stdin: stdin !== undefined, scope: 'strict', prune: false, root },
    { stdin: () => JSON.stringify(stdin), out: () => {}, err: () => {} },
  );
const env = loadEnvironment('staging', ['secrets={"provider":"sealed-secrets"}']);
const synthTo = (out: string) => writeOutputs([synthesizeConfig(env, resolveImages(env), loadSealedFiles('staging', repo()))], out);
const secretValue = (name: string, key: string) =>
  Buffer.from(kubectl('-n', 'tasknote-staging', 'get', 'secret', name, '-o', `jsonpath={.data.${key}}`), 'base64').toString();
const synced = (name: string) =>
  JSON.parse(kubectl('-n', 'tasknote-staging', 'get', 'sealedsecret', name, '-o', 'jsonpath={.status.conditions}') || '[]');

test('sealed with the fetched certificate, applied with kubectl apply --server-side -k dist/<env>, every Secret is unsealed', async () => {
  mkdirSync(join(repo(), 'environments', 'sealed', 'staging'), { recursive: true });
  writeFileSync(join(repo(), 'environments', 'sealed', 'staging', 'cert.pem'), execFileSync('curl', ['-sf', certUrl]));
  expect(seal(VALUES)).toBe(0);
  synthTo(join(dir, 'dist'));
  const grep = spawnSync('grep', ['-r', '-l', 'CANARY', join(dir, 'dist'), join(repo(), 'environments')], { encoding: 'utf8' });
  expect([grep.status, grep.stdout]).toEqual([1, '']);
  kubectl('apply', '--server-side', '-k', join(dir, 'dist', 'staging'));
  for (const [name, keys] of Object.entries(VALUES)) {
    await until(`Secret ${name}`, () => (synced(name).some((c: any) => c.type === 'Synced' && c.status === 'True') ? true : undefined));
    for (const [k, v] of Object.entries(keys)) expect(secretValue(name, k)).toBe(v);
  }
  const labels = JSON.parse(kubectl('-n', 'tasknote-staging', 'get', 'secret', 'tasknote-smtp', '-o', 'jsonpath={.metadata.labels}'));
  expect(labels['app.kubernetes.io/part-of']).toBe('tasknote');
  expect(readFileSync(join(dir, 'controller.log'), 'utf8')).not.toContain('CANARY');
}, 120_000);

test('rotating one value (seal it again, apply) updates that key and keeps the other', async () => {
  const file = join(dir, 'rotated');
  writeFileSync(file, 'CANARY-rotated-78');
  expect(seal(undefined, [`tasknote-smtp.password=${file}`])).toBe(0);
  synthTo(join(dir, 'dist'));
  kubectl('apply', '--server-side', '-k', join(dir, 'dist', 'staging'));
  await until('the rotated value', () => (secretValue('tasknote-smtp', 'password') === 'CANARY-rotated-78' ? true : undefined));
  expect(secretValue('tasknote-smtp', 'username')).toBe('mailer');
}, 120_000);

test("a SealedSecret sealed with another cluster's certificate is refused, and its status says why", async () => {
  const other = join(dir, 'other');
  mkdirSync(join(other, 'environments', 'sealed', 'staging'), { recursive: true });
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=another-cluster',
      '-keyout',
      join(other, 'key.pem'),
      '-out',
      join(other, 'environments', 'sealed', 'staging', 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  expect(seal({ 'tasknote-admin': { token: 'CANARY-other-79' } }, [], other)).toBe(1); // the other Secrets are missing there
  kubectl('apply', '--server-side', '--force-conflicts', '-f', join(other, 'environments', 'sealed', 'staging', 'tasknote-admin.yaml'));
  const condition = await until('the refusal', () =>
    synced('tasknote-admin').find((c: any) => c.type === 'Synced' && c.status === 'False'),
  );
  expect(condition.message).toMatch(/no key could decrypt secret \(token\)/);
  // The Secret keeps the value the controller unsealed before.
  expect(secretValue('tasknote-admin', 'token')).toBe('CANARY-admin-77');
}, 120_000);

test("a misspelled field: the API server's strict field validation refuses it, and check finds it offline", () => {
  const good = parse(readFileSync(join(repo(), 'environments', 'sealed', 'staging', 'tasknote-smtp.yaml'), 'utf8'));
  const typo = { ...good, spec: { ...good.spec, template: { ...good.spec.template, typ: 'Opaque' } } };
  expect(cp.strictDryRun(good)).toMatchObject({ status: 0 });
  const refused = cp.strictDryRun(typo);
  expect(refused.status).not.toBe(0);
  expect(refused.stderr).toContain('.spec.template.typ: field not declared in schema');
  expect(checkSchema(typo, { kinds: new Set(), groups: new Set() }).map((v) => `${v.ruleId} ${v.path.join('.')}`)).toEqual([
    'unknown-field spec.template.typ',
  ]);
});
