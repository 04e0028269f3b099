// `check` on other people's YAML: profiles come in as data, TaskNote's conventions fire only
// under TaskNote's profiles, and the output says which profile applied.
import fs from 'node:fs';
import path from 'node:path';
import { CHECK_PROFILES, ENVIRONMENT_PROFILES } from '../../app/check-profiles';
import { runCheckCli as run } from './run-check-cli';
import { ALL_RULES, checkPaths, formatReport, GENERIC_PROFILE } from '../../check';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'check');
const OTHER = path.join(FIXTURES, 'other-stack');
const GOOD = path.join(FIXTURES, 'good');
const PROVIDED = ['Secret/linkshelf-tls', 'Secret/linkshelf-db'];

test('the check source names no TaskNote environment and imports nothing from app/ but UserError', () => {
  const dir = path.join(__dirname, '..', '..', 'check');
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  expect(files.length).toBeGreaterThan(5);
  for (const f of files) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    expect([f, text.match(/'(dev|staging|prod)'/g)]).toEqual([f, null]);
    const fromApp = [...text.matchAll(/from '(\.\.\/)+app\/([^']+)'/g)].map((m) => m[2]);
    expect([f, fromApp.filter((m) => m !== 'errors')]).toEqual([f, []]);
  }
});

test('a compliant stack that is not TaskNote passes the CLI with --provided for its external objects', async () => {
  const { code, out } = await run(...PROVIDED.flatMap((p) => ['--provided', p]), OTHER);
  expect(out).toContain(`${OTHER} (profile generic: no optional rules, no stack conventions): 11 objects`);
  expect(out).toMatch(/^PASS: 1 target, 11 objects, \d+ rules, 0 errors, 0 warnings, 0 waivers$/m);
  expect(code).toBe(0);
});

test('without --provided the same stack names the missing external objects', async () => {
  const { code, out } = await run(OTHER);
  expect(code).toBe(1);
  expect(out).toContain('Secret linkshelf-tls');
  expect(out).toContain('Secret linkshelf-db');
});

test("TaskNote's conventions fire on that stack only under a TaskNote profile, which the output names", async () => {
  const generic = checkPaths([OTHER], { provided: PROVIDED });
  expect(generic.targets[0]).toMatchObject({ profile: 'generic', ruleGroups: [] });
  expect(generic.targets[0].findings).toEqual([]);

  const tasknote = checkPaths([OTHER], { provided: PROVIDED, profile: CHECK_PROFILES.tasknote });
  expect(tasknote.targets[0]).toMatchObject({ profile: 'tasknote', profileOwner: 'TaskNote', ruleGroups: ['conventions'] });
  expect(tasknote.targets[0].findings.map((f) => f.ruleId).sort()).toEqual(['config-hash', 'secret-has-data']);
  expect(formatReport(tasknote, 'text')).toContain('(profile tasknote: TaskNote conventions)');

  const { out } = await run('--profile', 'prod', ...PROVIDED.flatMap((p) => ['--provided', p]), OTHER);
  expect(out).toContain('(profile prod: TaskNote conventions, pinned-images, replicas, zone-spread)');
  expect(out).toContain('[image-digest]');
});

test('a profile is plain data: a caller can turn on any rule group without naming an environment', () => {
  const mine = { name: 'acme-strict', owner: 'ACME', groups: ['pinned-images', 'replicas'] as const };
  const report = checkPaths([OTHER], { provided: PROVIDED, profile: mine });
  expect(report.targets[0]).toMatchObject({ profile: 'acme-strict', ruleGroups: ['pinned-images', 'replicas'] });
  expect([...new Set(report.targets[0].findings.map((f) => f.ruleId))]).toEqual(['image-digest']);
  expect(formatReport(report, 'text')).toContain('(profile acme-strict: pinned-images, replicas)');
});

test('the default profile for paths is generic, and every group-bound rule is off under it', () => {
  expect(checkPaths([GOOD]).targets[0].profile).toBe(GENERIC_PROFILE.name);
  const grouped = ALL_RULES.filter((r) => r.group).map((r) => `${r.id}:${r.group}`);
  expect(grouped.sort()).toEqual([
    'config-hash:conventions',
    'image-digest:pinned-images',
    'replicas:replicas',
    'secret-has-data:conventions',
    'zone-spread:zone-spread',
  ]);
  for (const p of Object.values(ENVIRONMENT_PROFILES)) expect(p.groups).toContain('conventions');
});
