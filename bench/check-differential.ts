/**
 * check at random against the API server, with a fresh seed (`npm run bench:check-differential`;
 * `-- --seed N --count N` to replay or resize a run). Needs a cluster: TASKNOTE_LANE_KUBECONFIG
 * names its kubeconfig (`npm run cluster:up` prints one). Prints the seed, the coverage table, the
 * confusion table and every disagreement; exits 1 on a false negative. The fixed-seed run with
 * its allowed lists is test/cluster/check-differential.ctest.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { synthesizeEnvironment } from '../app/synth';
import { ENVIRONMENT_NAMES } from '../core/environment-names';
import type { KubeObject } from '../core/kube-object';
import { formatCoverage, generateMutants, type Stack } from '../scripts/cluster/differential/mutate';
import { ApiServer, checkVerdict, confusion, formatConfusion, formatOutcome, peerStacks, pool } from '../scripts/cluster/differential/run';

const { values } = parseArgs({ options: { seed: { type: 'string' }, count: { type: 'string' } } });
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const count = Number(values.count ?? 1000);
const kubeconfig = process.env.TASKNOTE_LANE_KUBECONFIG;
if (!kubeconfig) {
  console.error('TASKNOTE_LANE_KUBECONFIG is not set: start a cluster (npm run cluster:up) and point it at the kubeconfig it prints');
  process.exit(2);
}
const NAMESPACE = 'check-differential';

async function main() {
  const ns = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: NAMESPACE,
      labels: Object.fromEntries(['enforce', 'warn', 'audit'].map((m) => [`pod-security.kubernetes.io/${m}`, 'restricted'])),
    },
  });
  const applied = spawnSync('kubectl', ['--kubeconfig', kubeconfig!, 'apply', '--server-side', '-f', '-'], { input: ns, encoding: 'utf8' });
  if (applied.status !== 0) throw new Error(applied.stderr);
  const stacks: Stack[] = [
    ...ENVIRONMENT_NAMES.map((env) => ({
      name: `tasknote-${env}`,
      objects: synthesizeEnvironment(env).files.flatMap((f) => f.objects as KubeObject[]),
    })),
    ...peerStacks(),
  ];
  const api = await ApiServer.start(kubeconfig!);
  const work = mkdtempSync(join(tmpdir(), 'check-differential-'));
  try {
    const started = Date.now();
    const baseline = await pool(
      stacks.flatMap((stack) => stack.objects.map((object, index) => ({ stack, index, object }))),
      8,
      async ({ stack, index, object }) => ({
        key: `${stack.name}/${index}`,
        refused:
          (await api.dryRunApply(object, NAMESPACE)).refused ||
          checkVerdict(stack, { id: `b-${stack.name.replace('/', '-')}-${index}`, index, object }, work).check.refused,
      }),
    );
    const mutants = generateMutants(stacks, {
      seed,
      count,
      minPerCell: 3,
      skip: new Set(baseline.filter((b) => b.refused).map((b) => b.key)),
    });
    const byName = new Map(stacks.map((s) => [s.name, s]));
    const outcomes = await pool(mutants, 8, async (m) => ({
      mutant: m,
      server: await api.dryRunApply(m.object, NAMESPACE),
      ...checkVerdict(byName.get(m.stack)!, m, work),
    }));
    const c = confusion(outcomes);
    console.log(
      `seed ${seed}: ${outcomes.length} mutants in ${((Date.now() - started) / 1000).toFixed(0)} s\n\n${formatCoverage(mutants)}\n\n${formatConfusion(c)}\n`,
    );
    for (const o of outcomes.filter((x) => x.server.refused !== x.check.refused)) console.log(formatOutcome(o));
    process.exitCode = c.falseNegatives > 0 ? 1 : 0;
  } finally {
    api.stop();
  }
}

void main();
