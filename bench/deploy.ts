/**
 * The Pulumi deploy against plain kubectl on the same local cluster, in one run, on each kind of
 * node the lane has (scripts/cluster/lane.sh):
 *   - kwok's fake nodes (tasknote-fake), where the deploy's own costs show:
 *       first deploy of dev (from nothing, up to everything Ready) against
 *       `kubectl apply --server-side` of the synthesized dev objects plus `kubectl wait` on them;
 *       a no-op deploy against `kubectl diff --server-side` of the same objects;
 *   - the real node (tasknote-local), where pods start, pull and answer probes on both sides:
 *       the first deploy until `/healthz` answers 200 through the api Service's ClusterIP, against
 *       kubectl apply in the deploy's order (all at once the api crash-loops until the migration
 *       has run) plus the same waits and the same `/healthz` wait.
 * The Secrets are created the same way for both (the deploy generates them, kubectl creates them
 * from literals first), and the images are built once before anything is measured, so both sides
 * get the same images and neither pays for a build. Prints each ratio with its goal.
 *
 *   npm run bench:deploy                              both kinds of node
 *   TASKNOTE_BENCH_NODES=real npm run bench:deploy    one of them
 */
import { readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import {
  CLUSTERS,
  LANE,
  kubectl,
  kubectlJson,
  makeWorkspace,
  ok,
  realNodeOverrides,
  run,
  stackConfigFile,
  stackDir,
  tasknote,
  useCluster,
  writeStackConfig,
  type Run,
} from '../scripts/cluster/lane-workspace';

const NS = 'tasknote-dev';
const ratio = (a: number, b: number) => (a / b).toFixed(2);
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Seconds the engine reported per resource (`created (1.23s)`), by resource. */
function perResource(output: string): { name: string; s: number }[] {
  const out: { name: string; s: number }[] = [];
  for (const m of output.matchAll(/^\s+\+\s+(\S+) (\S+) created \(([\d.]+)s\)/gm))
    out.push({ name: `${m[1].split(':').pop()} ${m[2]}`, s: Number(m[3]) });
  return out;
}

/** Waits until GET /healthz through the api Service's ClusterIP answers 200 (kube-proxy on the host). */
async function healthzThroughService(): Promise<void> {
  const svc = kubectlJson(['get', 'service', 'tasknote-api', '-n', NS]);
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const status = await new Promise<number>((resolve) => {
      const req = request(
        { host: svc.spec.clusterIP, port: svc.spec.ports[0].port, path: '/healthz', agent: false, timeout: 2000 },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', () => resolve(0));
      req.on('timeout', () => req.destroy());
      req.end();
    });
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('/healthz never answered 200 through the Service');
}

async function compare(kind: keyof typeof CLUSTERS): Promise<void> {
  useCluster(kind);
  const real = CLUSTERS[kind].realNode;
  const ws = makeWorkspace(`repo-bench-${kind}`);
  writeStackConfig(ws, 'dev');
  const env = { PULUMI_BACKEND_URL: `file://${join(LANE.dir, `pulumi-state-bench-${kind}`)}` };
  ok(run('mkdir', ['-p', env.PULUMI_BACKEND_URL.slice('file://'.length)], LANE.dir));
  const deploy = (): Run => ok(tasknote(ws, ['deploy', '--env', 'dev', '--stack-config', stackConfigFile('dev')], env));
  const destroy = (): Run => ok(tasknote(ws, ['destroy', '--env', 'dev', '--stack-config', stackConfigFile('dev')], env));
  const gone = () => ok(kubectl(['wait', '--for=delete', `namespace/${NS}`, '--timeout=300s']));

  // Warm-up: build and push the images, then remove everything; the measured runs reuse both.
  kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=true', '--timeout=300s']);
  deploy();
  const images = JSON.parse(
    ok(run('pulumi', ['stack', 'output', 'images', '--json', '--stack', 'dev', '--cwd', stackDir('dev')], LANE.dir, env)).stdout,
  ) as {
    api: string;
    worker: string;
  };
  destroy();
  gone();

  // kubectl: the same objects (with the same settings), the Secrets, then the same waits.
  const dist = join(ws, 'dist-bench');
  rmSync(dist, { recursive: true, force: true });
  const sets = real ? Object.entries(realNodeOverrides()).flatMap(([k, v]) => ['--set', `${k}=${v}`]) : [];
  ok(tasknote(ws, ['synth', '--env', 'dev', '--out', dist, '--image', `api=${images.api}`, '--image', `worker=${images.worker}`, ...sets]));
  const dir = join(dist, 'dev');
  const kubectlStart = Date.now();
  ok(kubectl(['apply', '--server-side', '-f', join(dir, '00-namespace.yaml')]));
  for (const [name, keys] of [
    ['tasknote-database', ['password']],
    ['tasknote-admin', ['token']],
    ['tasknote-smtp', ['username', 'password']],
  ] as const) {
    ok(
      kubectl([
        'create',
        'secret',
        'generic',
        name,
        '-n',
        NS,
        ...keys.map((k) => `--from-literal=${k}=bench-${k}-${'0123456789abcdef'.repeat(3)}`),
      ]),
    );
  }
  if (real) {
    // Pods really start here: applied all at once, the api would start before the migration and
    // crash-loop into a back-off of minutes. So kubectl gets the deploy's order, as a careful
    // operator would apply it: everything but the api and the worker, the data stores and the
    // migration awaited, then those two.
    const late = ['api.yaml', 'worker.yaml'];
    const first = readdirSync(dir).filter((f) => f.endsWith('.yaml') && !late.includes(f));
    ok(kubectl(['apply', '--server-side', ...first.flatMap((f) => ['-f', join(dir, f)])]));
    ok(kubectl(['rollout', 'status', '-n', NS, 'statefulset/tasknote-postgres', '--timeout=300s']));
    ok(kubectl(['rollout', 'status', '-n', NS, 'deployment/tasknote-redis', '--timeout=300s']));
    ok(kubectl(['wait', '-n', NS, '--for=condition=Complete', 'job/tasknote-migrate', '--timeout=300s']));
    ok(kubectl(['apply', '--server-side', ...late.flatMap((f) => ['-f', join(dir, f)])]));
    ok(kubectl(['wait', '-n', NS, '--for=condition=Available', 'deployment', '--all', '--timeout=300s']));
    await healthzThroughService();
  } else {
    ok(kubectl(['apply', '--server-side', '-f', dir]));
    ok(kubectl(['wait', '-n', NS, '--for=condition=Available', 'deployment', '--all', '--timeout=300s']));
    ok(kubectl(['rollout', 'status', '-n', NS, 'statefulset/tasknote-postgres', '--timeout=300s']));
    ok(kubectl(['wait', '-n', NS, '--for=condition=Complete', 'job/tasknote-migrate', '--timeout=300s']));
  }
  const kubectlFirstMs = Date.now() - kubectlStart;
  const diffStart = Date.now();
  const diff = kubectl(['diff', '--server-side', '-f', dir]);
  const kubectlDiffMs = Date.now() - diffStart;
  if (diff.status > 1) throw new Error(`kubectl diff failed: ${diff.stderr}`);
  ok(kubectl(['delete', 'namespace', NS, '--wait=false']));
  gone();

  // Pulumi: the same objects through `npm run deploy`.
  const cliStart = Date.now();
  ok(tasknote(ws, ['--help']));
  const cliMs = Date.now() - cliStart;
  const engineStart = Date.now();
  ok(run('pulumi', ['version'], LANE.dir));
  const pulumiMs = Date.now() - engineStart;
  const firstStart = Date.now();
  const first = deploy();
  if (real) await healthzThroughService();
  const firstMs = Date.now() - firstStart;
  const noop = deploy();
  const awaits = perResource(first.stdout).sort((a, b) => b.s - a.s);

  console.log(`\ndeploy --env dev against kubectl, on ${real ? 'the real node (tasknote-local)' : "kwok's fake nodes (tasknote-fake)"}`);
  const until = real ? 'until /healthz answers 200 through the Service' : 'up to everything Ready';
  console.log(
    `  first deploy, ${until}: ${s(firstMs)} vs kubectl apply + the same waits ${s(kubectlFirstMs)}, ratio ${ratio(firstMs, kubectlFirstMs)} (goal <= 2)`,
  );
  console.log(
    `  no-op deploy: ${s(noop.ms)} vs kubectl diff --server-side ${s(kubectlDiffMs)}, ratio ${ratio(noop.ms, kubectlDiffMs)} (goal <= 3)`,
  );
  console.log('  where the first deploy goes');
  console.log(`    tasknote CLI start (--help)             ${s(cliMs)}`);
  console.log(`    pulumi CLI start (version)              ${s(pulumiMs)}`);
  console.log(`    sum of per-resource waits               ${s(awaits.reduce((t, a) => t + a.s * 1000, 0))}`);
  for (const a of awaits.slice(0, 8)) console.log(`      ${a.s.toFixed(2).padStart(7)} s  ${a.name}`);
  destroy();
  gone();
}

// TASKNOTE_BENCH_NODES=real (or fake) runs one side only.
void (async () => {
  for (const kind of (process.env.TASKNOTE_BENCH_NODES ?? 'fake,real').split(',')) await compare(kind as keyof typeof CLUSTERS);
})();
