// Synth speed against kustomize building the same objects (one base plus three overlays).
// Prints ratios; targets: in-process synth <= 1.0x kustomize, `npm run synth` (warm) <= 3x.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { renderFile, synthesizeEnvironment } from '../app/synth';
import { KubeObject } from '../core/kube-object';
import { ENVIRONMENT_NAMES } from '../core/environment-names';

const ROOT = resolve(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void, runs = RUNS): number {
  fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

const idOf = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;
const withoutNamespace = (o: KubeObject): KubeObject => {
  const { namespace: _ns, ...metadata } = o.metadata;
  return { ...o, metadata: metadata as KubeObject['metadata'] };
};

/** base/ holds dev's objects; each overlay sets its namespace and patches or adds its own objects. */
function writeKustomizeTree(dir: string): void {
  const objects = Object.fromEntries(
    ENVIRONMENT_NAMES.map((env) => [env, synthesizeEnvironment(env).files.flatMap((f) => f.objects).filter((o) => o.kind !== 'Namespace')]),
  );
  const baseIds = new Set(objects.dev.map(idOf));
  mkdirSync(join(dir, 'base'), { recursive: true });
  writeFileSync(join(dir, 'base', 'objects.yaml'), objects.dev.map((o) => `---\n${stringify(withoutNamespace(o))}`).join(''));
  writeFileSync(join(dir, 'base', 'kustomization.yaml'), stringify({ resources: ['objects.yaml'] }));
  for (const env of ENVIRONMENT_NAMES) {
    const overlay = join(dir, 'overlays', env);
    mkdirSync(overlay, { recursive: true });
    const patches = objects[env].filter((o) => baseIds.has(idOf(o)));
    const added = objects[env].filter((o) => !baseIds.has(idOf(o)));
    writeFileSync(join(overlay, 'patches.yaml'), patches.map((o) => `---\n${stringify(withoutNamespace(o))}`).join(''));
    writeFileSync(join(overlay, 'added.yaml'), added.map((o) => `---\n${stringify(withoutNamespace(o))}`).join('') || '--- {}\n');
    writeFileSync(
      join(overlay, 'kustomization.yaml'),
      stringify({
        namespace: `tasknote-${env}`,
        resources: ['../../base', ...(added.length > 0 ? ['added.yaml'] : [])],
        patches: patches.map((o) => ({ path: `p-${o.kind}-${o.metadata.name}.yaml` })),
      }),
    );
    for (const o of patches) writeFileSync(join(overlay, `p-${o.kind}-${o.metadata.name}.yaml`), stringify(withoutNamespace(o)));
  }
}

function main(): void {
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (kubectl.status !== 0) {
    console.log('bench/synth: kubectl not found; install it (apt-get install kubectl or a release binary) to compare with kustomize');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tasknote-kustomize-'));
  try {
    writeKustomizeTree(dir);
    const kustomize = time(() => {
      for (const env of ENVIRONMENT_NAMES) execFileSync('kubectl', ['kustomize', join(dir, 'overlays', env)], { encoding: 'utf8' });
    }, Math.max(5, Math.floor(RUNS / 2)));
    const inProcess = time(() => {
      for (const env of ENVIRONMENT_NAMES) synthesizeEnvironment(env).files.forEach(renderFile);
    });
    const out = join(dir, 'dist');
    const npmSynth = time(() => {
      execFileSync('npm', ['run', '--silent', 'synth', '--', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    }, 5);
    const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
    console.log(`kubectl kustomize, 3 overlays:        ${fmt(kustomize)}`);
    console.log(`in-process synth, 3 environments:     ${fmt(inProcess)}`);
    console.log(`npm run synth (warm, checks included): ${fmt(npmSynth)}`);
    console.log(`ratio in-process / kustomize: ${(inProcess / kustomize).toFixed(2)}x (target <= 1.0x)`);
    console.log(`ratio npm run synth / kustomize: ${(npmSynth / kustomize).toFixed(2)}x (target <= 3.0x)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
