// check at random against the API server: a fixed seed draws at least 1,000 single-point mutations
// of valid stacks (TaskNote's three environments as synth writes them, and the hand-written stacks
// under test/fixtures), each mutated object is created fresh with a server-side-apply dry run into
// a namespace enforcing Pod Security `restricted`, and check's verdict (generic profile, rules that
// claim API validity) must be the server's wherever the server refuses. The classes of miss a
// first such run found are replayed as fixed cases (the catalogue class "value ranges,
// enumerations and syntax in validation code"). Not the schemathesis fuzz lane (scripts/fuzz),
// which fuzzes the TaskNote API service. docs/check.md ("check at random") describes the oracle.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { synthesizeEnvironment } from '../../app/synth';
import { ENVIRONMENT_NAMES } from '../../core/environment-names';
import type { KubeObject } from '../../core/kube-object';
import { LANE, kubectl, ok } from '../../scripts/cluster/lane-workspace';
import { coverage, formatCoverage, generateMutants, type Mutant, type Stack } from '../../scripts/cluster/differential/mutate';
import {
  ApiServer,
  checkVerdict,
  confusion,
  formatConfusion,
  formatOutcome,
  peerStacks,
  pool,
  type Outcome,
} from '../../scripts/cluster/differential/run';

const SEED = 20261201;
const COUNT = 1000;
const MIN_PER_CELL = 3;
const NAMESPACE = 'check-differential';
const CATALOGUE = join(__dirname, '..', 'fixtures', 'apiserver-catalogue');
const REGRESSION_CLASS = 'value ranges, enumerations and syntax in validation code';

/**
 * Misses allowed, each with the cluster state the server's refusal depends on (an immutable field,
 * an existing object). A refusal that follows from the field's own value is never listed: check
 * must catch it.
 */
const ALLOWED_MISSES: readonly {
  readonly matches: (o: Outcome) => boolean;
  readonly dependsOn: 'an immutable field' | 'an existing object';
  readonly why: string;
}[] = [];

/**
 * Where check refuses what the server's dry run takes, on purpose. An int32 field given a number
 * outside int32: the server's unstructured conversion wraps it (reflect's SetInt truncates), so the
 * object it stores does not hold the value written; check keeps refusing it (schema-format). A
 * node port outside 1-65535: only the allocator, which a dry run skips, refuses it.
 */
const DELIBERATELY_STRICTER: readonly { readonly matches: (o: Outcome) => boolean; readonly why: string }[] = [
  {
    matches: (o) => /^schema-format at /.test(o.check.reason) && /-?2147483649|2147483648/.test(o.mutant.change),
    why: 'an int32 field outside int32: the server silently wraps it, so check refuses it',
  },
  {
    // Seen with other seeds: a dry run skips the node port allocator, which refuses the port on a
    // real create ("provided port is not in the valid range"); outside 1-65535 it is outside any
    // cluster's range.
    matches: (o) => /^port-and-handler at spec\.ports\[\d+\]\.nodePort$/.test(o.check.reason),
    why: 'a nodePort outside 1-65535: the dry run skips the allocator that refuses it on a real create',
  },
];

const stacks: Stack[] = [
  ...ENVIRONMENT_NAMES.map((env) => ({
    name: `tasknote-${env}`,
    objects: synthesizeEnvironment(env).files.flatMap((f) => f.objects as KubeObject[]),
  })),
  ...peerStacks(),
];
const work = mkdtempSync(join(LANE.dir, 'check-differential-'));
let api: ApiServer;
let baselineSkipped: string[] = [];
let skippedKeys = new Set<string>();
let skippedAgreed: { kind: string; server: boolean; check: boolean }[] = [];
let mutants: Mutant[] = [];
let outcomes: Outcome[] = [];
let regressions: (Outcome & { stated: string })[] = [];

async function judge(stack: Stack, mutant: Mutant): Promise<Outcome> {
  const server = await api.dryRunApply(mutant.object, NAMESPACE);
  return { mutant, server, ...checkVerdict(stack, mutant, work) };
}

/** The catalogue's regression cases as mutants of the good fixture (each file holds one object). */
function regressionCases(good: Stack): (Mutant & { stated: string })[] {
  return readdirSync(CATALOGUE)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readFileSync(join(CATALOGUE, f), 'utf8'))
    .filter((text) => text.includes(`# class: ${REGRESSION_CLASS}`))
    .map((text, i) => {
      const object = parseAllDocuments(text, { version: '1.1' })[0].toJS() as KubeObject;
      const removed = /^# remove: (\S+)$/m.exec(text)?.[1];
      const key = removed ?? `${object.kind}/${object.metadata.namespace}/${object.metadata.name}`;
      const index = good.objects.findIndex((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}` === key);
      return {
        id: `catalogue-${i}`,
        stack: good.name,
        index,
        kind: String(object.kind),
        fieldClass: 'strings' as const,
        operation: 'set' as const,
        path: [],
        change: /^# (.+)$/m.exec(text)![1],
        object,
        stated: /^# server: (\S+)$/m.exec(text)![1],
      };
    });
}

beforeAll(async () => {
  ok(
    kubectl(
      ['apply', '--server-side', '-f', '-'],
      LANE.kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: NAMESPACE,
          labels: Object.fromEntries(['enforce', 'warn', 'audit'].map((m) => [`pod-security.kubernetes.io/${m}`, 'restricted'])),
        },
      }),
    ),
  );
  api = await ApiServer.start(LANE.kubeconfig);

  // Objects either side already refuses unmutated (a peer stack that breaks restricted, say) are
  // not mutated: a mutant of them says nothing.
  const baseline = await pool(
    stacks.flatMap((stack) => stack.objects.map((object, index) => ({ stack, index, object }))),
    8,
    async ({ stack, index, object }) => ({
      key: `${stack.name}/${index}`,
      kind: String(object.kind),
      what: `${stack.name} ${object.kind}/${object.metadata?.name}`,
      server: await api.dryRunApply(object, NAMESPACE),
      check: checkVerdict(stack, { id: `baseline-${stack.name.replace('/', '-')}-${index}`, index, object }, work).check,
    }),
  );
  const skipped = baseline.filter((b) => b.server.refused || b.check.refused);
  skippedKeys = new Set(skipped.map((b) => b.key));
  skippedAgreed = skipped.map((b) => ({ kind: b.kind, server: b.server.refused, check: b.check.refused }));
  baselineSkipped = skipped.map(
    (b) =>
      `${b.what}: server ${b.server.refused ? `refuses (${b.server.reason})` : 'accepts'}, check ${b.check.refused ? `refuses (${b.check.reason})` : 'accepts'}`,
  );

  mutants = generateMutants(stacks, { seed: SEED, count: COUNT, minPerCell: MIN_PER_CELL, skip: new Set(skipped.map((b) => b.key)) });
  const byName = new Map(stacks.map((s) => [s.name, s]));
  outcomes = await pool(mutants, 8, (m) => judge(byName.get(m.stack)!, m));
  const good = byName.get('good')!;
  regressions = await pool(regressionCases(good), 8, async (m) => ({ ...(await judge(good, m)), stated: m.stated }));

  const c = confusion(outcomes);
  const fn = outcomes.filter((o) => o.server.refused && !o.check.refused);
  const fp = outcomes.filter((o) => !o.server.refused && o.check.refused);
  console.log(
    [
      `check at random against the API server: seed ${SEED}, ${outcomes.length} mutants of ${stacks.length} stacks`,
      '',
      'mutants per kind and field class',
      formatCoverage(mutants),
      '',
      'confusion (rules that claim API validity, on the mutated object)',
      formatConfusion(c),
      '',
      `false negatives (${fn.length}):`,
      ...fn.map(formatOutcome),
      `false positives (${fp.length}):`,
      ...fp.map(
        (o) =>
          `${formatOutcome(o)}${DELIBERATELY_STRICTER.find((d) => d.matches(o)) ? `\n    deliberately stricter: ${DELIBERATELY_STRICTER.find((d) => d.matches(o))!.why}` : ''}`,
      ),
      '',
      `fixed regression cases (${regressions.length}):`,
      ...regressions.map(
        (r) =>
          `  ${r.mutant.change}: server ${r.server.refused ? 'refuses' : 'accepts'} (stated: ${r.stated}), check ${r.check.refused ? `refuses (${r.check.reason})` : 'accepts'}`,
      ),
      '',
      `objects not mutated (refused unmutated) (${baselineSkipped.length}):`,
      ...baselineSkipped.map((s) => `  ${s}`),
    ].join('\n'),
  );
});

afterAll(() => api?.stop());

test(`the seed draws at least ${COUNT} mutants, covering every kind the stacks use with ${MIN_PER_CELL} or more per cell`, () => {
  expect(outcomes.length).toBeGreaterThanOrEqual(COUNT);
  // A kind whose every object is refused unmutated (the monitoring peer's DaemonSet breaks Pod
  // Security restricted on purpose) can have no mutant that says anything: it is named in the
  // report's list of objects not mutated, and both sides must agree on it there. Every other kind
  // the stacks use is covered.
  const mutable = new Set(stacks.flatMap((s) => s.objects.flatMap((o, i) => (skippedKeys.has(`${s.name}/${i}`) ? [] : [String(o.kind)]))));
  const unmutable = new Set(stacks.flatMap((s) => s.objects.map((o) => String(o.kind))).filter((k) => !mutable.has(k)));
  expect(
    [...unmutable]
      .filter((k) => !skippedAgreed.some((b) => b.kind === k && b.server && b.check))
      .map((k) => `${k}: refused by one side only`),
  ).toEqual([]);
  const table = coverage(mutants);
  expect([...mutable].filter((k) => !table.has(k))).toEqual([]);
  const thin = [...table].flatMap(([kind, row]) => [...row].filter(([, n]) => n < MIN_PER_CELL).map(([cls, n]) => `${kind}/${cls}: ${n}`));
  // A cell may hold fewer distinct mutants than the minimum (one short list, say); never most.
  expect(thin.length).toBeLessThan(5);
});

test('the server both refuses and accepts mutants, so the run discriminates', () => {
  const c = confusion(outcomes);
  expect(c.bothRefuse + c.falseNegatives).toBeGreaterThan(100);
  expect(c.bothAccept + c.falsePositives).toBeGreaterThan(100);
});

test('check catches every mutant the server refuses, but those listed as depending on cluster state', () => {
  const misses = outcomes.filter((o) => o.server.refused && !o.check.refused && !ALLOWED_MISSES.some((a) => a.matches(o)));
  expect(misses.map(formatOutcome)).toEqual([]);
});

test('check refuses nothing the server takes, but where it is deliberately stricter', () => {
  const alarms = outcomes.filter((o) => !o.server.refused && o.check.refused && !DELIBERATELY_STRICTER.some((d) => d.matches(o)));
  expect(alarms.map(formatOutcome)).toEqual([]);
});

test('every allowed miss is still observed (a stale entry is removed)', () => {
  expect(ALLOWED_MISSES.filter((a) => !outcomes.some((o) => a.matches(o))).map((a) => a.why)).toEqual([]);
});

test('each class of miss the first run found is a fixed case on which check and the server agree, as its header states', () => {
  expect(regressions.length).toBeGreaterThanOrEqual(20);
  expect(
    regressions
      .filter((r) => r.server.refused !== (r.stated === 'refuses') || r.check.refused !== r.server.refused)
      .map((r) => `${r.mutant.change}: stated ${r.stated}; server ${r.server.reason || 'accepts'}; check ${r.check.reason || 'accepts'}`),
  ).toEqual([]);
});
