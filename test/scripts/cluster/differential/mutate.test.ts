// The differential test's mutations and its check side, offline: the cluster lane
// (test/cluster/check-differential.ctest.ts) adds the API server's verdict.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getIn } from '../../../../core/object-path';
import { FIELD_CLASSES, coverage, generateMutants, sitesOf } from '../../../../scripts/cluster/differential/mutate';
import { API_CLAIM_RULE_IDS, checkVerdict, peerStacks } from '../../../../scripts/cluster/differential/run';

const stacks = peerStacks();
const good = stacks.find((s) => s.name === 'good')!;
const mutants = generateMutants(stacks, { seed: 7, count: 300, minPerCell: 2 });

test('a seed names a run: the same seed draws the same mutants, another seed others', () => {
  const again = generateMutants(stacks, { seed: 7, count: 300, minPerCell: 2 });
  expect(again.map((m) => [m.id, m.path, m.change])).toEqual(mutants.map((m) => [m.id, m.path, m.change]));
  const other = generateMutants(stacks, { seed: 8, count: 300, minPerCell: 2 });
  expect(other.map((m) => m.change)).not.toEqual(mutants.map((m) => m.change));
});

test('each mutant changes its object at exactly the one place it names', () => {
  for (const m of mutants) {
    const original = stacks.find((s) => s.name === m.stack)!.objects[m.index];
    expect(JSON.stringify(m.object)).not.toBe(JSON.stringify(original));
    if (m.operation === 'set') {
      const restored = structuredClone(m.object);
      const parent = m.path.slice(0, -1).reduce<any>((o, k) => o[k], restored);
      parent[m.path.at(-1)!] = getIn(original, m.path);
      expect({ id: m.id, restored }).toEqual({ id: m.id, restored: original });
    }
    if (m.operation === 'delete') expect(getIn(m.object, m.path)).toBeUndefined();
  }
});

test('every kind of the stacks and every field class gets mutants, and the fixed paths are never touched', () => {
  const table = coverage(mutants);
  expect([...new Set(stacks.flatMap((s) => s.objects.map((o) => String(o.kind))))].filter((k) => !table.has(k))).toEqual([]);
  expect(FIELD_CLASSES.filter((c) => ![...table.values()].some((row) => row.has(c)))).toEqual([]);
  for (const site of sitesOf(good.objects[0])) expect(site.path[0] === 'kind' || site.path[0] === 'apiVersion').toBe(false);
});

test('the check side counts only rules that claim API validity, on the mutated object', () => {
  const work = mkdtempSync(join(tmpdir(), 'differential-'));
  const hpa = good.objects.findIndex((o) => o.kind === 'HorizontalPodAutoscaler');
  const unmutated = checkVerdict(good, { id: 'same', index: hpa, object: good.objects[hpa] }, work);
  expect(unmutated.check).toEqual({ refused: false, reason: '' });
  const bad: any = structuredClone(good.objects[hpa]);
  bad.spec.metrics[0].resource.target.type = 'Percent';
  delete bad.spec.behavior;
  const verdict = checkVerdict(good, { id: 'bad', index: hpa, object: bad }, work);
  expect(verdict.check.reason).toBe('autoscaler-spec at spec.metrics[0].resource.target.type');
  // No scale-down window breaks hpa-behavior, a policy rule that claims nothing about the API server.
  expect(verdict.policy.length).toBeGreaterThan(0);
  for (const id of verdict.policy) expect(API_CLAIM_RULE_IDS.has(id)).toBe(false);
});
