// Helpers of the cluster lane, shared by its tests and bench/deploy.ts: a scratch copy of the repository, the `tasknote` CLI run as a
// user runs it, kubectl against the lane's clusters, the Pulumi state, and a log of everything
// printed (the secret scan reads it).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';

import type { KubeObject } from '../../core/kube-object';
import { REPO_ROOT } from '../../core/repo-root';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(
      `${name} is not set: the cluster lane runs through 'npm run test:cluster' (scripts/cluster/lane.sh), which starts what it needs`,
    );
  }
  return value;
}

export const LANE = {
  dir: required('TASKNOTE_LANE_DIR'),
  kubeconfig: required('TASKNOTE_LANE_KUBECONFIG'),
  otherKubeconfig: required('TASKNOTE_LANE_OTHER_KUBECONFIG'),
  fakeKubeconfig: required('TASKNOTE_LANE_FAKE_KUBECONFIG'),
  auditLog: required('TASKNOTE_LANE_AUDIT_LOG'),
  fakeAuditLog: required('TASKNOTE_LANE_FAKE_AUDIT_LOG'),
  baseImage: required('TASKNOTE_LANE_BASE_IMAGE'),
  /** host:port of the lane's registry, which the dev environment knows as localhost:5001. */
  registry: required('TASKNOTE_LANE_REGISTRY'),
};

export const CONTEXT = 'tasknote-local';
export const SERVER = 'https://127.0.0.1:16443';
export const OTHER_SERVER = 'https://127.0.0.1:16444';

/**
 * The lane's deploy targets (scripts/cluster/lane.sh): `real`, the cluster with one real node,
 * where pods run; `fake`, kwok's fake nodes in three zones, for prod's topology, which one 2-core
 * node cannot hold. The third cluster, `LANE.otherKubeconfig`, is only ever a second target.
 */
export const CLUSTERS = {
  real: { kubeconfig: LANE.kubeconfig, context: CONTEXT, server: SERVER, realNode: true },
  fake: { kubeconfig: LANE.fakeKubeconfig, context: 'tasknote-fake', server: 'https://127.0.0.1:16445', realNode: false },
} as const;
let target: (typeof CLUSTERS)[keyof typeof CLUSTERS] = CLUSTERS.real;

/** The cluster this test file's kubectl calls and stack settings go to (each file has its own module state). */
export function useCluster(kind: keyof typeof CLUSTERS): void {
  target = CLUSTERS[kind];
}

/**
 * Environment fields every stack on the real node needs: the PostgreSQL and Redis stand-ins
 * (scripts/cluster/node-images.sh), since the pinned Docker Hub images cannot be pulled here.
 */
export function realNodeOverrides(): Record<string, string> {
  return { 'postgres.image': required('NODE_IMAGE_POSTGRES'), 'redis.image': required('NODE_IMAGE_REDIS') };
}

const LOG = join(LANE.dir, 'lane.log');

/** Everything the lane's commands printed so far. */
export function laneLog(): string {
  return existsSync(LOG) ? readFileSync(LOG, 'utf8') : '';
}

/**
 * A copy of the working tree (tracked and untracked files, as they are now) committed into a
 * fresh git repository, so that the lane can edit environments and records and make commits
 * without touching the user's checkout. node_modules is linked, not copied.
 */
export function makeWorkspace(name = 'repo'): string {
  const dest = join(LANE.dir, name);
  const files = execFileSync('git', ['ls-files', '-z', '-co', '--exclude-standard'], { cwd: REPO_ROOT })
    .toString()
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(REPO_ROOT, f)));
  for (const file of files) {
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    copyFileSync(join(REPO_ROOT, file), join(dest, file));
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dest, 'node_modules'));
  for (const service of readdirSync(join(REPO_ROOT, 'services'))) {
    const modules = join(REPO_ROOT, 'services', service, 'node_modules');
    if (existsSync(modules)) symlinkSync(modules, join(dest, 'services', service, 'node_modules'));
  }
  git(dest, 'init', '-q', '-b', 'main');
  commitAll(dest, 'lane: the working tree under test');
  return dest;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=lane', '-c', 'user.email=lane@tasknote.invalid', ...args], { cwd, encoding: 'utf8' }).trim();
}

export function commitAll(cwd: string, message: string): string {
  git(cwd, 'add', '-A');
  git(cwd, 'commit', '-q', '--allow-empty', '-m', message);
  return git(cwd, 'rev-parse', 'HEAD');
}

export interface Run {
  readonly args: readonly string[];
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs `node bin/tasknote.js …` in the workspace, as `npm run <command> -- …` does. */
export function tasknote(workspace: string, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  return run(process.execPath, [join(workspace, 'bin', 'tasknote.js'), ...args], workspace, env);
}

export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, input?: string): Run {
  const started = Date.now();
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    input,
    maxBuffer: 512 * 1024 * 1024,
    timeout: 20 * 60_000,
  });
  const out: Run = {
    args: [command, ...args],
    status: result.status ?? -1,
    stdout: result.stdout ?? '',
    stderr: `${result.stderr ?? ''}${result.error ? `\n${result.error.message}` : ''}`,
    ms: Date.now() - started,
  };
  appendFileSync(LOG, `\n$ ${out.args.join(' ')}\n${out.stdout}\n${out.stderr}\n[exit ${out.status} after ${out.ms} ms]\n`);
  return out;
}

/**
 * `run`, without blocking: the test process's own clients (a load through a Service, say) keep
 * running while the command does. Logged the same way.
 */
export function runAsync(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const started = Date.now();
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    child.on('error', (err) => (stderr += `\n${err.message}`));
    child.on('close', (code) => {
      const out: Run = { args: [command, ...args], status: code ?? -1, stdout, stderr, ms: Date.now() - started };
      appendFileSync(LOG, `\n$ ${out.args.join(' ')}\n${out.stdout}\n${out.stderr}\n[exit ${out.status} after ${out.ms} ms]\n`);
      resolve(out);
    });
  });
}

/** The run, or an error that shows its output's end. */
export function ok(r: Run): Run {
  if (r.status !== 0) {
    const out = `${r.stdout}\n${r.stderr}`;
    // Pulumi's diagnostics say what failed; the progress lines before them rarely do.
    const at = out.indexOf('Diagnostics:');
    const tail = (at >= 0 ? out.slice(at) : out).split('\n').slice(0, 80).join('\n');
    throw new Error(`'${r.args.slice(1).join(' ')}' exited ${r.status}:\n${tail}`);
  }
  return r;
}

export function kubectl(args: string[], kubeconfig = target.kubeconfig, input?: string): Run {
  return run('kubectl', ['--kubeconfig', kubeconfig, ...args], LANE.dir, {}, input);
}

/** A server-side dry run of `file` with strict field validation: what the API server says of it, changing nothing. */
export function dryRunApply(file: string, fieldManager: string): Run {
  return kubectl([
    'apply',
    '--server-side',
    '--force-conflicts',
    '--dry-run=server',
    '--validate=strict',
    `--field-manager=${fieldManager}`,
    '-f',
    file,
  ]);
}

export function kubectlJson<T = any>(args: string[], kubeconfig = target.kubeconfig): T {
  return JSON.parse(ok(kubectl([...args, '-o', 'json'], kubeconfig)).stdout) as T;
}

/** `kubectl get` of one object by its kind and API group. */
export function getLive(obj: KubeObject, kubeconfig = target.kubeconfig): Run {
  const group = obj.apiVersion.includes('/') ? `.${obj.apiVersion.split('/')[0]}` : '';
  const ns = obj.metadata.namespace === undefined ? [] : ['-n', obj.metadata.namespace];
  return kubectl(['get', `${obj.kind}${group}`, obj.metadata.name, ...ns, '-o', 'json'], kubeconfig);
}

/** The pods a selector matches, leaving out those already being deleted by a rollout. */
export function podsOf(ns: string, selector: string, kubeconfig = target.kubeconfig): any[] {
  return kubectlJson<{ items: any[] }>(['get', 'pods', '-n', ns, '-l', selector], kubeconfig).items.filter(
    (p) => p.metadata.deletionTimestamp === undefined,
  );
}

/** A stack's own directory (its Pulumi.<env>.yaml and workspace), outside the repository. */
export function stackDir(env: string): string {
  return join(LANE.dir, 'stacks', env);
}

export function stackConfigFile(env: string): string {
  return join(stackDir(env), `Pulumi.${env}.yaml`);
}

/**
 * Writes the stack settings of `env` for the lane: the repository's Pulumi.<env>.yaml config,
 * plus the explicit target (the file's cluster, see `useCluster`: its kubeconfig, context and
 * server), the offline base image, and on the real node the stand-in images. Keeps what Pulumi wrote there itself (the encryption salt, secret config).
 * `overrides` sets environment fields (`{ 'api.replicas': 2 }`, as `tasknote:overrides`) for this
 * and later runs, until the next call; a call without them leaves the environment as its file has it.
 */
export function writeStackConfig(
  workspace: string,
  env: string,
  extra: Record<string, unknown> = {},
  overrides?: Record<string, unknown>,
): string {
  const file = stackConfigFile(env);
  mkdirSync(dirname(file), { recursive: true });
  const repoConfig = (parse(readFileSync(join(workspace, `Pulumi.${env}.yaml`), 'utf8')) as { config?: Record<string, unknown> }).config;
  const current = existsSync(file) ? (parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const { 'tasknote:overrides': _earlier, ...kept } = (current.config as Record<string, unknown> | undefined) ?? {};
  const config = {
    ...kept,
    ...repoConfig,
    'tasknote:kubeconfig': target.kubeconfig,
    'tasknote:cluster': { context: target.context, server: target.server },
    'tasknote:nodeImage': LANE.baseImage,
    ...(overrides === undefined && !target.realNode
      ? {}
      : { 'tasknote:overrides': { ...(target.realNode ? realNodeOverrides() : {}), ...overrides } }),
    ...extra,
  };
  writeFileSync(file, stringify({ ...current, config }));
  // The project, as `npm run deploy` would describe a workspace outside the repository.
  const project = join(dirname(file), 'Pulumi.yaml');
  if (!existsSync(project)) writeFileSync(project, stringify({ name: 'tasknote', runtime: 'nodejs' }));
  return file;
}

/** `pulumi …` in a stack's directory, with the lane's backend and passphrase. */
export function pulumi(env: string, args: string[], input?: string): Run {
  return run('pulumi', [...args, '--stack', env, '--non-interactive', '--cwd', stackDir(env)], stackDir(env), {}, input);
}

/** Resource changes of the stack's last update, as the engine recorded them. */
export function lastUpdateChanges(env: string): Record<string, number> {
  const history = JSON.parse(ok(pulumi(env, ['stack', 'history', '--json', '--page-size', '1'])).stdout) as {
    resourceChanges?: Record<string, number>;
  }[];
  return history[0]?.resourceChanges ?? {};
}

/** Changes a preview announced in its summary (`+ 2 to create`, `~ 1 to update`, …), by operation. */
export function previewChanges(output: string): Record<string, number> {
  const changes: Record<string, number> = {};
  const summary = output.slice(output.lastIndexOf('Resources:'));
  for (const match of summary.matchAll(/^\s+[+~\-±]*\s*(\d+) to (create|update|delete|replace)/gm)) {
    changes[match[2]] = Number(match[1]);
  }
  return changes;
}

/** The stack's state, as the engine keeps it in the file backend. */
export function stateFiles(): string[] {
  const root = join(LANE.dir, 'pulumi-state');
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else out.push(join(dir, entry.name));
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

/** `kind/namespace/name` → resourceVersion of every object of these kinds in a namespace. */
export function versionsIn(namespace: string, kinds: string, kubeconfig = target.kubeconfig): Record<string, string> {
  const r = kubectl(['get', kinds, '-n', namespace, '-o', 'json', '--ignore-not-found'], kubeconfig);
  if (r.status !== 0 || r.stdout.trim() === '') return {};
  const list = JSON.parse(r.stdout) as { items: { kind: string; metadata: { name: string; resourceVersion: string } }[] };
  return Object.fromEntries(list.items.map((i) => [`${i.kind}/${i.metadata.name}`, i.metadata.resourceVersion]));
}
