/**
 * The Pulumi deploy against plain kubectl on the same local control plane, in one run:
 *   - first deploy of dev (from nothing, up to everything Ready) against
 *     `kubectl apply --server-side` of the synthesized dev objects plus `kubectl wait` on them;
 *   - a no-op deploy against `kubectl diff --server-side` of the same objects.
 * Prints both ratios with their goals (first ≤ 2×, no-op ≤ 3×), and where the deploy's time goes:
 * the CLI's start, the engine and plugins before the first resource, and the per-object waits.
 *
 * Needs what scripts/cluster/lane.sh starts:  npm run bench:deploy
 * The images are built once before anything is measured (BuildKit cache warm), so the first
 * deploy measures the deploy, not a cold image build; both sides get the same images.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  LANE,
  kubectl,
  makeWorkspace,
  ok,
  pulumi,
  run,
  stackConfigFile,
  tasknote,
  writeStackConfig,
  type Run,
} from '../scripts/cluster/lane-workspace';

const NS = 'tasknote-dev';
const ws = makeWorkspace('repo-bench');
writeStackConfig(ws, 'dev');

const deploy = (...more: string[]): Run => ok(tasknote(ws, ['deploy', '--env', 'dev', '--stack-config', stackConfigFile('dev'), ...more]));
const destroy = (): Run => ok(tasknote(ws, ['destroy', '--env', 'dev', '--stack-config', stackConfigFile('dev')]));

function waitNamespaceGone(): void {
  ok(kubectl(['wait', '--for=delete', `namespace/${NS}`, '--timeout=300s']));
}

/** Seconds the engine reported per resource (`created (1.23s)`), by resource. */
function perResource(output: string): { name: string; s: number }[] {
  const out: { name: string; s: number }[] = [];
  for (const m of output.matchAll(/^\s+\+\s+(\S+) (\S+) created \(([\d.]+)s\)/gm))
    out.push({ name: `${m[1].split(':').pop()} ${m[2]}`, s: Number(m[3]) });
  return out;
}

// Warm-up: build and push the images, then remove everything; the measured runs reuse both.
deploy();
const images = JSON.parse(ok(pulumi('dev', ['stack', 'output', 'images', '--json'])).stdout) as { api: string; worker: string };
destroy();
waitNamespaceGone();

// kubectl: the same objects, the Secrets the deploy would create, then wait like the deploy does.
const dist = join(ws, 'dist-bench');
rmSync(dist, { recursive: true, force: true });
ok(tasknote(ws, ['synth', '--env', 'dev', '--out', dist, '--image', `api=${images.api}`, '--image', `worker=${images.worker}`]));
const dir = join(dist, 'dev');
const kubectlStart = Date.now();
ok(kubectl(['apply', '--server-side', '-f', join(dir, '00-namespace.yaml')]));
for (const [name, keys] of [
  ['tasknote-database', ['password']],
  ['tasknote-admin', ['token']],
  ['tasknote-smtp', ['username', 'password']],
] as const) {
  ok(kubectl(['create', 'secret', 'generic', name, '-n', NS, ...keys.map((k) => `--from-literal=${k}=bench-${k}`)]));
}
ok(kubectl(['apply', '--server-side', '-f', dir]));
ok(kubectl(['wait', '-n', NS, '--for=condition=Available', 'deployment', '--all', '--timeout=300s']));
ok(kubectl(['rollout', 'status', '-n', NS, 'statefulset/tasknote-postgres', '--timeout=300s']));
ok(kubectl(['wait', '-n', NS, '--for=condition=Complete', 'job/tasknote-migrate', '--timeout=300s']));
const kubectlFirstMs = Date.now() - kubectlStart;
const diffStart = Date.now();
const diff = kubectl(['diff', '--server-side', '-f', dir]);
const kubectlDiffMs = Date.now() - diffStart;
if (diff.status > 1) throw new Error(`kubectl diff failed: ${diff.stderr}`);
ok(kubectl(['delete', 'namespace', NS, '--wait=false']));
waitNamespaceGone();

// Pulumi: the same objects through `npm run deploy`.
const cliStart = Date.now();
ok(tasknote(ws, ['--help']));
const cliMs = Date.now() - cliStart;
const engineStart = Date.now();
ok(run('pulumi', ['version'], LANE.dir));
const pulumiMs = Date.now() - engineStart;
const first = deploy();
const noop = deploy();
const firstLines = first.stdout.split('\n');
const awaits = perResource(first.stdout).sort((a, b) => b.s - a.s);

const ratio = (a: number, b: number) => (a / b).toFixed(2);
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
console.log('deploy --env dev against kubectl, on the same local control plane');
console.log(
  `  first deploy  ${s(first.ms).padStart(8)}  vs kubectl apply + wait  ${s(kubectlFirstMs).padStart(8)}  ratio ${ratio(first.ms, kubectlFirstMs)}  (goal <= 2)`,
);
console.log(
  `  no-op deploy  ${s(noop.ms).padStart(8)}  vs kubectl diff          ${s(kubectlDiffMs).padStart(8)}  ratio ${ratio(noop.ms, kubectlDiffMs)}  (goal <= 3)`,
);
console.log('where the first deploy goes');
console.log(`  tasknote CLI start (--help)             ${s(cliMs)}`);
console.log(`  pulumi CLI start (version)              ${s(pulumiMs)}`);
console.log(
  `  resources the engine reported           ${awaits.length} (${firstLines.filter((l) => l.includes(' created (')).length} lines)`,
);
console.log(`  sum of per-resource waits               ${s(awaits.reduce((t, a) => t + a.s * 1000, 0))}`);
for (const a of awaits.slice(0, 8)) console.log(`    ${a.s.toFixed(2).padStart(7)} s  ${a.name}`);
console.log(`  no-op: everything but the diff itself   ${s(noop.ms - kubectlDiffMs)} of engine, plugin and program start`);
destroy();
