// `tasknote check` end to end through the commander program, on fixture directories.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCheckCli as run } from './run-check-cli';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'check');
const GOOD = path.join(FIXTURES, 'good');

/** A directory holding the good fixture plus one broken manifest. */
function brokenDir(extra: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-cli-'));
  for (const f of fs.readdirSync(GOOD)) fs.copyFileSync(path.join(GOOD, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'zz-extra.yaml'), extra);
  return dir;
}

const EXTRA = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: tasknote\ndata:\n  SMTP_PASSWORD: hunter2hunter2\n';

test('passes a directory of hand-written manifests and prints the summary', async () => {
  const { code, out } = await run('--profile', 'prod', GOOD);
  expect(code).toBe(0);
  expect(out).toMatch(/^PASS: 1 target, 18 objects, \d+ rules, 0 errors, 0 warnings, 1 waivers$/m);
  expect(out).toContain('StatefulSet/tasknote/tasknote-postgres [high-uid] (2 findings): the official postgres image');
});

test('fails with exit code 1 and groups each finding under its object with path, line, found and fix', async () => {
  const dir = brokenDir(EXTRA);
  const { code, out } = await run(dir);
  expect(code).toBe(1);
  expect(out).toContain(
    `  ConfigMap/tasknote/extra  (${path.join(dir, 'zz-extra.yaml')})\n    error [secret-in-configmap] at data.SMTP_PASSWORD, line 7\n      found: key SMTP_PASSWORD is named like a credential (SMTP_PASSWORD) and holds a literal value (hu…(14 chars))\n      fix:   move the credential into a Secret created by the deploy step\n`,
  );
  expect(out).toMatch(/^FAIL: .* 1 errors/m);
  expect(out).not.toContain('hunter2hunter2');
});

test('--format json gives the report as JSON', async () => {
  const { code, out } = await run('--format', 'json', brokenDir(EXTRA));
  const report = JSON.parse(out);
  expect(code).toBe(1);
  expect(report.ok).toBe(false);
  expect(report.summary).toMatchObject({ objects: 19, errors: 1, warnings: 0, waived: 1 });
  expect(report.targets[0].findings[0]).toMatchObject({
    ruleId: 'secret-in-configmap',
    severity: 'error',
    path: 'data.SMTP_PASSWORD',
    line: 7,
    object: { kind: 'ConfigMap', namespace: 'tasknote', name: 'extra' },
  });
});

test('--provided declares objects created outside the manifests', async () => {
  const dir = brokenDir('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: tasknote\n');
  fs.writeFileSync(
    path.join(dir, 'namespace.yaml'),
    fs.readFileSync(path.join(GOOD, 'namespace.yaml'), 'utf8').replace('Secret/tasknote-database,', ''),
  );
  expect((await run(dir)).out).toContain('[missing-secret]');
  expect((await run('--provided', 'Secret/tasknote-database', dir)).code).toBe(0);
});

test('fails when --provided is not Kind/name, showing the value', async () => {
  const { code, err } = await run('--provided', 'tasknote-database', GOOD);
  expect(code).toBe(2);
  expect(err).toBe(
    'error: --provided must look like Kind/name or Kind/namespace/name, such as Secret/tasknote-smtp; got "tasknote-database"\n',
  );
});

test('fails when an environment was not synthesized, saying how to fix it', async () => {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'check-dist-'));
  const { code, err } = await run('--env', 'prod', '--dist', dist);
  expect(code).toBe(2);
  expect(err).toBe(`error: ${path.join(dist, 'prod')} does not exist: run \`npm run synth\` first (or \`npm run synth -- --env prod\`)\n`);
});

test('fails when a path does not exist', async () => {
  const { code, err } = await run('no/such/dir');
  expect(code).toBe(2);
  expect(err).toContain('path "no/such/dir" does not exist');
});

test('fails when --env names no environment, listing the allowed ones', async () => {
  const { code, err } = await run('--env', 'qa');
  expect(code).not.toBe(0);
  expect(err).toContain("argument 'qa' is invalid. Allowed choices are dev, staging, prod.");
});

test('--list-rules prints every rule with its severity', async () => {
  const { code, out } = await run('--list-rules');
  expect(code).toBe(0);
  expect(out).toMatch(/^high-uid\s+error\s+runAsUser and runAsGroup are >= 10000/m);
  expect(out).toMatch(/^image-digest\s+error\s+.*\(group pinned-images\)$/m);
});
