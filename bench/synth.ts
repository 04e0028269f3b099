// Synth speed, as typed, against `kubectl kustomize` building the same objects; and the other
// commands (check, diff, graph) measured the same way, with the peak memory of synth and check.
//
//   npm run bench:synth            (BENCH_RUNS=7 by default: rounds of every measurement, interleaved)
//
// Two kustomize references, built from this repository's own objects:
// - plain: prod's objects as one plain base, and three overlays that each add a label. The goals
//   of `npm run synth` (<= 1.5x) and of the CLI binary `node bin/tasknote.js synth` (<= 1.0x).
// - rich: dev's objects as the base, and an overlay per environment that sets its namespace,
//   patches the objects that differ and adds those dev lacks. More work for kustomize; the goal of
//   the in-process synth (<= 1.0x).
// Each round runs every measurement once, in turn, so that the machine's load falls on all of them
// alike; medians are printed. Wall time is what a user waits for; each command is one process.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { renderFile, synthesizeEnvironment } from '../app/synth';
import { KubeObject } from '../core/kube-object';
import { ENVIRONMENT_NAMES } from '../core/environment-names';

const ROOT = resolve(__dirname, '..');
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 7));
/** Peak RSS goal of `synth`, in MiB. */
const SYNTH_RSS_GOAL_MIB = 150;

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const idOf = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;
const withoutNamespace = (o: KubeObject): KubeObject => {
  const { namespace: _ns, ...metadata } = o.metadata;
  return { ...o, metadata: metadata as KubeObject['metadata'] };
};
const docs = (objects: KubeObject[]) => objects.map((o) => `---\n${stringify(o)}`).join('');

/** The plain reference: prod's objects as one base; each overlay adds one label. */
function writePlainTree(dir: string, prod: KubeObject[]): void {
  mkdirSync(join(dir, 'base'), { recursive: true });
  writeFileSync(join(dir, 'base', 'objects.yaml'), docs(prod));
  writeFileSync(join(dir, 'base', 'kustomization.yaml'), stringify({ resources: ['objects.yaml'] }));
  for (const env of ENVIRONMENT_NAMES) {
    mkdirSync(join(dir, 'overlays', env), { recursive: true });
    writeFileSync(
      join(dir, 'overlays', env, 'kustomization.yaml'),
      stringify({ resources: ['../../base'], labels: [{ pairs: { 'tasknote.dev/overlay': env } }] }),
    );
  }
}

/** The rich reference: base/ holds dev's objects; each overlay sets its namespace and patches or adds its own objects. */
function writeRichTree(dir: string, objects: Record<string, KubeObject[]>): void {
  const baseIds = new Set(objects.dev.map(idOf));
  mkdirSync(join(dir, 'base'), { recursive: true });
  writeFileSync(join(dir, 'base', 'objects.yaml'), docs(objects.dev.map(withoutNamespace)));
  writeFileSync(join(dir, 'base', 'kustomization.yaml'), stringify({ resources: ['objects.yaml'] }));
  for (const env of ENVIRONMENT_NAMES) {
    const overlay = join(dir, 'overlays', env);
    mkdirSync(overlay, { recursive: true });
    const patches = objects[env].filter((o) => baseIds.has(idOf(o)));
    const added = objects[env].filter((o) => !baseIds.has(idOf(o)));
    writeFileSync(join(overlay, 'patches.yaml'), docs(patches.map(withoutNamespace)));
    writeFileSync(join(overlay, 'added.yaml'), docs(added.map(withoutNamespace)) || '--- {}\n');
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

/** Runs a command to completion and returns its wall time; fails loudly if the command does. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = performance.now();
  const r = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return ms;
}

/** Peak RSS in MiB of `node bin/tasknote.js <args>`, as the process itself reports it at exit. */
function peakRssMiB(dir: string, args: string[]): number {
  const probe = join(dir, 'rss-probe.js');
  const out = join(dir, 'rss.txt');
  writeFileSync(
    probe,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, String(process.resourceUsage().maxRSS)));\n`,
  );
  run(process.execPath, ['--require', probe, 'bin/tasknote.js', ...args]);
  return Number(readFileSync(out, 'utf8')) / 1024;
}

function main(): void {
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (kubectl.status !== 0) {
    console.log('bench/synth: kubectl not found; install it (apt-get install kubectl or a release binary) to compare with kustomize');
    return;
  }
  const kustomizeVersion = /Kustomize Version: (\S+)/.exec(kubectl.stdout)?.[1] ?? '?';
  const dir = mkdtempSync(join(tmpdir(), 'tasknote-bench-synth-'));
  try {
    const objects = Object.fromEntries(
      ENVIRONMENT_NAMES.map((env) => [
        env,
        synthesizeEnvironment(env)
          .files.flatMap((f) => f.objects)
          .filter((o) => o.kind !== 'Namespace'),
      ]),
    );
    writePlainTree(join(dir, 'plain'), objects.prod);
    writeRichTree(join(dir, 'rich'), objects);
    const out = join(dir, 'dist');
    const kustomize = (tree: string) => () => {
      for (const env of ENVIRONMENT_NAMES) execFileSync('kubectl', ['kustomize', join(dir, tree, 'overlays', env)], { encoding: 'utf8' });
    };
    const inProcess = () => {
      for (const env of ENVIRONMENT_NAMES) synthesizeEnvironment(env).files.forEach((f) => renderFile(f));
    };
    const timed = (fn: () => void) => () => {
      const t0 = performance.now();
      fn();
      return performance.now() - t0;
    };
    const npm =
      (...args: string[]) =>
      () =>
        run('npm', ['run', '--silent', ...args]);
    const cli =
      (...args: string[]) =>
      () =>
        run(process.execPath, ['bin/tasknote.js', ...args]);
    // The first synth writes `out`, which check reads; a warm-up round loads the disk caches.
    const measurements: Record<string, () => number> = {
      plain: timed(kustomize('plain')),
      rich: timed(kustomize('rich')),
      npmSynth: npm('synth', '--', '--out', out),
      cliSynth: cli('synth', '--out', out),
      inProcess: timed(inProcess),
      npmCheck: npm('check', '--', '--dist', out),
      npmDiff: npm('diff', '--', '--base', 'HEAD'),
      npmGraph: npm('graph', '--', '--env', 'prod'),
    };
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(measurements).map((k) => [k, []]));
    for (const fn of Object.values(measurements)) fn();
    for (let i = 0; i < RUNS; i++) for (const [k, fn] of Object.entries(measurements)) samples[k].push(fn());
    const m = Object.fromEntries(Object.entries(samples).map(([k, s]) => [k, median(s)])) as Record<keyof typeof measurements, number>;
    const synthRss = peakRssMiB(dir, ['synth', '--out', out]);
    const checkRss = peakRssMiB(dir, ['check', '--dist', out]);

    const fmt = (ms: number) => `${ms.toFixed(0).padStart(5)} ms`;
    const ratio = (ms: number, ref: number, goal?: number) =>
      `${(ms / ref).toFixed(2)}x${goal === undefined ? '' : ` (goal <= ${goal.toFixed(1)}x) ${ms / ref <= goal ? 'OK' : 'ABOVE GOAL'}`}`;
    console.log(`kubectl kustomize ${kustomizeVersion}; medians of ${RUNS} interleaved rounds; 3 environments each`);
    console.log(`reference plain: kustomize, prod as one base + 3 overlays adding a label: ${fmt(m.plain)}`);
    console.log(`reference rich:  kustomize, dev base + 3 overlays with patches:          ${fmt(m.rich)}`);
    console.log(
      `npm run synth (checks included):     ${fmt(m.npmSynth)}  ${ratio(m.npmSynth, m.plain, 1.5)} plain; ${ratio(m.npmSynth, m.rich)} rich`,
    );
    console.log(
      `node bin/tasknote.js synth:          ${fmt(m.cliSynth)}  ${ratio(m.cliSynth, m.plain, 1.0)} plain; ${ratio(m.cliSynth, m.rich)} rich`,
    );
    console.log(`in-process synth + YAML (no checks): ${fmt(m.inProcess)}  ${ratio(m.inProcess, m.rich, 1.0)} rich`);
    console.log(
      `npm run check (dist/ of 3):          ${fmt(m.npmCheck)}  ${ratio(m.npmCheck, m.plain, 1.5)} plain; ${ratio(m.npmCheck, m.npmSynth)} npm run synth`,
    );
    console.log(
      `npm run diff -- --base HEAD:         ${fmt(m.npmDiff)}  ${ratio(m.npmDiff, m.plain)} plain (no goal: it synthesizes twice, once in a fresh worktree)`,
    );
    console.log(`npm run graph -- --env prod:         ${fmt(m.npmGraph)}  ${ratio(m.npmGraph, m.plain, 1.5)} plain`);
    console.log(
      `peak RSS: synth ${synthRss.toFixed(0)} MiB (goal < ${SYNTH_RSS_GOAL_MIB} MiB) ${synthRss < SYNTH_RSS_GOAL_MIB ? 'OK' : 'ABOVE GOAL'}; check ${checkRss.toFixed(0)} MiB (no goal)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
