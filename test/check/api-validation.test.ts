// The API-server catalogue (test/fixtures/apiserver-catalogue/): cases modelled on the API
// server's validation code and on Pod Security's controls, each layered over the passing `good`
// fixture like the corpus. Offline, each is caught by exactly the rules its header names; the
// cluster lane (test/cluster/check-vs-apiserver.ctest.ts) submits the same files to a real API
// server and requires the server's verdict to be the one the header states.
import fs from 'node:fs';
import path from 'node:path';
import { ALL_RULES, runCheck } from '../../check/engine';
import { listFiles, loadFiles, parseYaml } from '../../check/load';
import { describeRef, refOf } from '../../check/model';
import { quantityValue } from '../../check/rules/api-validation';
import { CHECK_PROFILES } from '../../app/check-profiles';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const CATALOGUE = path.join(FIXTURES, 'apiserver-catalogue');
const base = loadFiles(listFiles([path.join(FIXTURES, 'check', 'good')]));
const header = (text: string, key: string) => [...text.matchAll(new RegExp(`^# ${key}: (.+)$`, 'gm'))].map((m) => m[1].trim());

const cases = fs
  .readdirSync(CATALOGUE)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => {
    const file = path.join(CATALOGUE, f);
    const text = fs.readFileSync(file, 'utf8');
    return {
      name: f.replace(/\.yaml$/, ''),
      file,
      text,
      cls: header(text, 'class')[0],
      models: header(text, 'models')[0],
      server: header(text, 'server')[0],
      expect: header(text, 'expect')
        .flatMap((e) => e.split(',').map((s) => s.trim()))
        .filter((e) => e !== 'none'),
      profile: CHECK_PROFILES[header(text, 'profile')[0] ?? 'prod'],
      remove: header(text, 'remove'),
    };
  });

const CLASSES = [
  'name and length rules per kind',
  'cross-field rules',
  'handler and port rules',
  'requests against limits',
  'selector syntax',
  'duplicate names inside one object',
  'type-specific Secret keys',
  'Pod Security baseline and restricted controls',
  'value ranges, enumerations and syntax in validation code',
];

test('every case names its class, the upstream rule it models, the server verdict and the rules expected', () => {
  for (const c of cases) {
    expect({
      name: c.name,
      cls: CLASSES.includes(c.cls),
      models: Boolean(c.models),
      server: ['refuses', 'warns', 'accepts'].includes(c.server),
    }).toEqual({
      name: c.name,
      cls: true,
      models: true,
      server: true,
    });
    for (const id of c.expect) expect(ALL_RULES.map((r) => r.id)).toContain(id);
  }
});

test('each class has cases the server refuses and, beside them, cases it accepts', () => {
  for (const cls of CLASSES) {
    const of = cases.filter((c) => c.cls === cls);
    expect({ cls, refused: of.some((c) => c.server !== 'accepts'), accepted: of.some((c) => c.server === 'accepts') }).toEqual({
      cls,
      refused: true,
      accepted: true,
    });
  }
});

test.each(cases.map((c) => [c.name, c] as const))('catalogue case %s is caught by exactly its expected rules', (_name, c) => {
  const parsed = parseYaml(c.text, c.file);
  const replaced = new Set([...parsed.items.map((i) => describeRef(refOf(i.object))), ...c.remove]);
  const items = [...base.items.filter((i) => !replaced.has(describeRef(refOf(i.object)))), ...parsed.items];
  const report = runCheck(items, { profile: c.profile, loadProblems: parsed.problems });
  expect([...new Set(report.findings.map((f) => f.ruleId))].sort()).toEqual([...new Set(c.expect)].sort());
});

test('quantities compare across units as the API server compares them', () => {
  expect(quantityValue('256Mi')).toBe(268435456);
  expect(quantityValue('0.05')).toBeCloseTo(0.05);
  expect(quantityValue('100m')).toBeCloseTo(0.1);
  expect(quantityValue('1e3')).toBe(1000);
  expect(quantityValue('1E')).toBe(1e18);
  expect(quantityValue('-100m')).toBeCloseTo(-0.1);
  expect(quantityValue('12 apples')).toBeUndefined();
});
