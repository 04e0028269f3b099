// `npm run seal` and the upstream kubeseal (built from github.com/bitnami-labs/sealed-secrets by the
// toolchain) speak the same format, both ways: kubeseal's recovery unseal, the controller's own
// decryption code, opens what `seal` wrote; what kubeseal sealed, synth reads and check passes.
// Needs no cluster, only TOOLCHAIN_KUBESEAL (scripts/cluster/lane.sh exports it) and openssl.
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSeal } from '../../app/commands/seal';
import { synthesizeConfig } from '../../app/synth';
import { profileForEnvironment } from '../../app/check-profiles';
import { checkObjects } from '../../check';
import { loadEnvironment } from '../../environments/load';
import { resolveImages } from '../../environments/images';
import { loadSealedFiles } from '../../environments/sealed-store';
import { unseal } from '../app/sealing';

const KUBESEAL = process.env.TOOLCHAIN_KUBESEAL;
if (!KUBESEAL) throw new Error("TOOLCHAIN_KUBESEAL is not set: run the cluster lane ('npm run test:cluster'), which builds kubeseal");

const root = mkdtempSync(join(tmpdir(), 'tasknote-kubeseal-'));
const dir = join(root, 'environments', 'sealed', 'staging');
mkdirSync(dir, { recursive: true });
const keyPair = (name: string) => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:4096',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/O=sealed-secret/CN=${name}`,
      '-keyout',
      join(root, `${name}.key`),
      '-out',
      join(root, `${name}.crt`),
    ],
    { stdio: 'ignore' },
  );
  return { key: join(root, `${name}.key`), cert: join(root, `${name}.crt`) };
};
const cluster = keyPair('this-cluster');
const other = keyPair('other-cluster');
writeFileSync(join(dir, 'cert.pem'), readFileSync(cluster.cert));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const VALUES = {
  'tasknote-database': { password: 'CANARY-db-8f2' },
  'tasknote-admin': { token: 'CANARY-admin-8f2' },
  'tasknote-smtp': { username: 'mailer', password: 'CANARY-smtp-8f2' },
};

test('kubeseal --recovery-unseal opens every file `seal` wrote, with this cluster key only', () => {
  const code = runSeal(
    { env: 'staging', fromFile: [], stdin: true, scope: 'strict', prune: false, root },
    { stdin: () => JSON.stringify(VALUES), out: () => {}, err: () => {} },
  );
  expect(code).toBe(0);
  for (const [name, keys] of Object.entries(VALUES)) {
    const file = join(dir, `${name}.yaml`);
    const secret = JSON.parse(
      execFileSync(KUBESEAL, ['--recovery-unseal', '--recovery-private-key', cluster.key, '-o', 'json', '-f', file], { encoding: 'utf8' }),
    );
    expect(secret.metadata).toMatchObject({ name, namespace: 'tasknote-staging' });
    const data = Object.fromEntries(
      Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
    );
    expect(data).toEqual(keys);
  }
  const refused = spawnSync(
    KUBESEAL,
    ['--recovery-unseal', '--recovery-private-key', other.key, '-o', 'json', '-f', join(dir, 'tasknote-admin.yaml')],
    {
      encoding: 'utf8',
    },
  );
  expect(refused.status).not.toBe(0);
  expect(refused.stderr).toMatch(/no key could decrypt secret/);
});

test('what kubeseal seals, synth reads and check passes; the values open for their Secret', () => {
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) rmSync(join(dir, f));
  for (const [name, keys] of Object.entries(VALUES)) {
    const secret = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: 'tasknote-staging' },
      stringData: keys,
    });
    const sealed = execFileSync(KUBESEAL, ['--cert', cluster.cert, '-o', 'yaml'], { input: secret, encoding: 'utf8' });
    writeFileSync(join(dir, `${name}.yaml`), sealed);
  }
  const files = loadSealedFiles('staging', root);
  const key = createPrivateKey(readFileSync(cluster.key));
  expect(unseal(key, files.get('tasknote-smtp')!.encryptedData.password, 'tasknote-staging/tasknote-smtp')).toBe('CANARY-smtp-8f2');
  const env = loadEnvironment('staging', ['secrets={"provider":"sealed-secrets"}']);
  const out = synthesizeConfig(env, resolveImages(env), files);
  const objects = out.files.flatMap((f) => f.objects);
  expect(objects.filter((o) => o.kind === 'SealedSecret').map((o) => o.metadata.name)).toEqual([
    'tasknote-database',
    'tasknote-admin',
    'tasknote-smtp',
  ]);
  const report = checkObjects(
    objects.map((object) => ({ source: 'dist', object })),
    { name: 'staging', profile: profileForEnvironment('staging') },
  );
  expect(report.ok).toBe(true);
  expect(JSON.stringify(objects)).not.toContain('CANARY');
});
