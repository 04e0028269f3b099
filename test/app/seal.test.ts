// `tasknote seal`: values from files or stdin, sealed in the sealed-secrets hybrid format with the
// environment's certificate, into environments/sealed/<env>/ under a scratch repository root.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runSeal, type SealOptions } from '../../app/commands/seal';
import { buildProgram } from '../../app/cli';
import { UserError } from '../../core/user-error';
import { keyPair, unseal } from './sealing';

const { publicPem, privateKey } = keyPair();
const other = keyPair();
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tasknote-seal-'));
  mkdirSync(join(root, 'environments', 'sealed', 'staging'), { recursive: true });
  writeFileSync(join(root, 'environments', 'sealed', 'staging', 'cert.pem'), publicPem);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const ALL = {
  'tasknote-database': { password: 'canary-db-4711' },
  'tasknote-admin': { token: 'canary-admin-4711' },
  'tasknote-smtp': { username: 'mailer', password: 'canary-smtp-4711' },
};

function seal(stdin: object | undefined, extra: Partial<SealOptions> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runSeal(
    { env: 'staging', fromFile: [], stdin: stdin !== undefined, scope: 'strict', prune: false, root, ...extra },
    { stdin: () => JSON.stringify(stdin), out: (s) => out.push(s), err: (s) => err.push(s) },
  );
  return { code, out: out.join(''), err: err.join('') };
}
const file = (name: string) => join(root, 'environments', 'sealed', 'staging', `${name}.yaml`);
const sealedObject = (name: string): any => parse(readFileSync(file(name), 'utf8'));

test('seals every key so that the private key opens it only for its own namespace and name', () => {
  const r = seal(ALL);
  expect(r).toMatchObject({ code: 0, err: expect.stringContaining("secrets.provider 'pulumi'") });
  const db = sealedObject('tasknote-database');
  expect(db).toMatchObject({
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name: 'tasknote-database', namespace: 'tasknote-staging' },
  });
  expect(unseal(privateKey, db.spec.encryptedData.password, 'tasknote-staging/tasknote-database')).toBe('canary-db-4711');
  expect(unseal(privateKey, sealedObject('tasknote-smtp').spec.encryptedData.username, 'tasknote-staging/tasknote-smtp')).toBe('mailer');
  // Bound to namespace/name: another label, or another cluster's key, cannot open it.
  expect(() => unseal(privateKey, db.spec.encryptedData.password, 'tasknote-prod/tasknote-database')).toThrow();
  expect(() => unseal(privateKey, db.spec.encryptedData.password, 'tasknote-staging/tasknote-admin')).toThrow();
  expect(() => unseal(other.privateKey, db.spec.encryptedData.password, 'tasknote-staging/tasknote-database')).toThrow();
  // Plain YAML as kubeseal writes it: no anchors or aliases.
  expect(readFileSync(file('tasknote-database'), 'utf8')).not.toMatch(/[&*]a\d/);
  // No plaintext in the files or the output.
  for (const name of Object.keys(ALL)) expect(readFileSync(file(name), 'utf8')).not.toMatch(/canary|mailer/);
  expect(r.out + r.err).not.toMatch(/canary/);
});

test('namespace-wide scope is annotated and bound to the namespace only', () => {
  expect(seal(ALL, { scope: 'namespace-wide' }).code).toBe(0);
  const db = sealedObject('tasknote-database');
  expect(db.metadata.annotations).toEqual({ 'sealedsecrets.bitnami.com/namespace-wide': 'true' });
  expect(unseal(privateKey, db.spec.encryptedData.password, 'tasknote-staging')).toBe('canary-db-4711');
});

test('reports missing keys and writes only the complete Secrets', () => {
  const r = seal({ 'tasknote-admin': { token: 't0ken-value' }, 'tasknote-smtp': { username: 'mailer' } });
  expect(r.code).toBe(1);
  expect(r.err).toContain('missing tasknote-database: key(s) password');
  expect(r.err).toContain('missing tasknote-smtp: key(s) password');
  expect([existsSync(file('tasknote-admin')), existsSync(file('tasknote-smtp')), existsSync(file('tasknote-database'))]).toEqual([
    true,
    false,
    false,
  ]);
});

test('rotating one value keeps the other ciphertexts as they were', () => {
  seal(ALL);
  const before = sealedObject('tasknote-smtp').spec.encryptedData;
  const value = join(root, 'new-password');
  writeFileSync(value, 'rotated-4712');
  const r = seal(undefined, { fromFile: [`tasknote-smtp.password=${value}`] });
  expect(r.code).toBe(0);
  expect(r.out).toContain('sealed tasknote-smtp (password; kept username)');
  expect(r.out).toContain('unchanged tasknote-admin');
  const after = sealedObject('tasknote-smtp').spec.encryptedData;
  expect(after.username).toBe(before.username);
  expect(after.password).not.toBe(before.password);
  expect(unseal(privateKey, after.password, 'tasknote-staging/tasknote-smtp')).toBe('rotated-4712');
});

test('refuses to write over a sealed file holding keys the stack no longer reads, unless --prune', () => {
  seal(ALL);
  const stale = sealedObject('tasknote-admin');
  stale.spec.encryptedData.legacy = stale.spec.encryptedData.token;
  writeFileSync(file('tasknote-admin'), JSON.stringify(stale));
  const refused = seal({ 'tasknote-admin': { token: 'next-token-1' } });
  expect(refused.code).toBe(1);
  expect(refused.err).toContain('holds key(s) legacy that the stack no longer reads; pass --prune');
  expect(sealedObject('tasknote-admin').spec.encryptedData.legacy).toBeDefined();
  expect(seal({ 'tasknote-admin': { token: 'next-token-1' } }, { prune: true }).code).toBe(0);
  expect(Object.keys(sealedObject('tasknote-admin').spec.encryptedData)).toEqual(['token']);
});

test('input naming what the stack does not read is refused, and nothing is written', () => {
  expect(() => seal({ 'tasknote-admin': { tokn: 'x' } })).toThrow(/tasknote-admin.tokn \(tasknote-admin has keys token\)/);
  expect(() => seal({ 'tasknote-cache': { password: 'x' } })).toThrow(UserError);
  expect(existsSync(file('tasknote-admin'))).toBe(false);
});

test('without the certificate it says where to put it', () => {
  rmSync(join(root, 'environments', 'sealed', 'staging', 'cert.pem'));
  expect(() => seal(ALL)).toThrow(/environments\/sealed\/staging\/cert.pem is missing: .*kubeseal --fetch-cert/);
});

test('values never come from argv: the command has no option that takes one', async () => {
  const program = buildProgram();
  await expect(
    program.parseAsync(['seal', '--env', 'staging', '--from-literal', 'tasknote-admin.token=x'], { from: 'user' }),
  ).rejects.toThrow(/unknown option '--from-literal'/);
  expect(() => seal(undefined)).toThrow(/--from-file .* or --stdin; never on the command line/);
});
