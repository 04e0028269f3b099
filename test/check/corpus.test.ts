// Every broken manifest in the corpus is caught by exactly the rules its header names. Each case
// replaces (same kind, namespace and name) or adds objects on top of the passing `good` fixture,
// and may remove some of its objects, so any extra finding is a false positive.
import fs from 'node:fs';
import path from 'node:path';
import { ALL_RULES, runCheck } from '../../check/engine';
import { listFiles, loadFiles, parseYaml } from '../../check/load';
import { describeRef, refOf } from '../../check/model';
import { CHECK_PROFILES } from '../../app/check-profiles';
import type { Profile } from '../../check/types';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'check');
const CORPUS = path.join(FIXTURES, 'corpus');
const base = loadFiles(listFiles([path.join(FIXTURES, 'good')]));

interface Case {
  readonly name: string;
  readonly expect: string[];
  readonly profile: Profile;
  readonly remove: string[];
  readonly text: string;
  readonly file: string;
}

function header(text: string, key: string): string[] {
  return [...text.matchAll(new RegExp(`^# ${key}: (.+)$`, 'gm'))].map((m) => m[1].trim());
}

const cases: Case[] = fs
  .readdirSync(CORPUS)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => {
    const text = fs.readFileSync(path.join(CORPUS, f), 'utf8');
    return {
      name: f.replace(/\.yaml$/, ''),
      expect: header(text, 'expect').flatMap((e) => e.split(',').map((s) => s.trim())),
      profile: CHECK_PROFILES[header(text, 'profile')[0] ?? 'prod'],
      remove: header(text, 'remove'),
      text,
      file: path.join(CORPUS, f),
    };
  });

function checkCase(c: Case) {
  const parsed = parseYaml(c.text, c.file);
  const replaced = new Set([...parsed.items.map((i) => describeRef(refOf(i.object))), ...c.remove]);
  const items = [...base.items.filter((i) => !replaced.has(describeRef(refOf(i.object)))), ...parsed.items];
  return runCheck(items, { profile: c.profile, loadProblems: parsed.problems });
}

test('the corpus holds at least 40 cases, each naming the rules that must catch it', () => {
  expect(cases.length).toBeGreaterThanOrEqual(40);
  for (const c of cases) expect(c.expect.length).toBeGreaterThan(0);
});

test('the corpus covers misspellings, type errors, selectors, dangling references, privileges and secrets in env', () => {
  const covered = new Set(cases.flatMap((c) => c.expect));
  for (const id of [
    'unknown-field',
    'schema-type',
    'service-selector',
    'missing-secret',
    'missing-configmap',
    'allow-privilege-escalation',
    'secret-in-env',
  ]) {
    expect(covered).toContain(id);
  }
});

test("every rule has a failing corpus or API-server catalogue case (the base fixture is every rule's passing case)", () => {
  const CATALOGUE = path.join(FIXTURES, '..', 'apiserver-catalogue');
  const catalogue = fs
    .readdirSync(CATALOGUE)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => header(fs.readFileSync(path.join(CATALOGUE, f), 'utf8'), 'expect').flatMap((e) => e.split(',').map((s) => s.trim())))
    .filter((id) => id !== 'none');
  const covered = new Set([...cases.flatMap((c) => c.expect), ...catalogue]);
  expect(ALL_RULES.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
  for (const id of covered) expect(ALL_RULES.map((r) => r.id)).toContain(id);
});

test('the base fixture passes the prod profile with its one waiver used', () => {
  const report = runCheck(base.items, { profile: CHECK_PROFILES.prod });
  expect(report.findings).toEqual([]);
  expect(report.waivers.map((w) => [w.ruleId, w.used])).toEqual([['high-uid', 2]]);
});

test.each(cases.map((c) => [c.name, c] as const))('corpus case %s is caught by exactly its expected rules', (_name, c) => {
  const report = checkCase(c);
  const found = [...new Set(report.findings.map((f) => f.ruleId))].sort();
  expect(found).toEqual([...new Set(c.expect)].sort());
});
