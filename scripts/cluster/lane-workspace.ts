// Helpers of the cluster lane, shared by its tests and bench/deploy.ts: a scratch copy of the repository, the `tasknote` CLI run as a
// user runs it, kubectl against the lane's clusters, the Pulumi state, and a log of everything
// printed (the secret scan reads it).
import { execFileSync, spawnSync } from 'node:child_process';
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
  auditLog: required('TASKNOTE_LANE_AUDIT_LOG'),
  baseImage: required('TASKNOTE_LANE_BASE_IMAGE'),
  /** host:port of the lane's registry, which the dev environment knows as localhost:5001. */
  registry: required('TASKNOTE_LANE_REGISTRY'),
};

export const CONTEXT = 'tasknote-local';
export const SERVER = 'https://127.0.0.1:16443';
export const OTHER_SERVER = 'https://127.0.0.1:16444';

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

export function kubectl(args: string[], kubeconfig = LANE.kubeconfig, input?: string): Run {
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

export function kubectlJson<T = any>(args: string[], kubeconfig = LANE.kubeconfig): T {
  return JSON.parse(ok(kubectl([...args, '-o', 'json'], kubeconfig)).stdout) as T;
}

/** `kubectl get` of one object by its kind and API group. */
export function getLive(obj: KubeObject, kubeconfig = LANE.kubeconfig): Run {
  const group = obj.apiVersion.includes('/') ? `.${obj.apiVersion.split('/')[0]}` : '';
  const ns = obj.metadata.namespace === undefined ? [] : ['-n', obj.metadata.namespace];
  return kubectl(['get', `${obj.kind}${group}`, obj.metadata.name, ...ns, '-o', 'json'], kubeconfig);
}

/** The pods a selector matches, leaving out those already being deleted by a rollout. */
export function podsOf(ns: string, selector: string, kubeconfig = LANE.kubeconfig): any[] {
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
 * plus the explicit target (this cluster's kubeconfig, context and server) and the offline base
 * image. Keeps what Pulumi wrote there itself (the encryption salt, secret config).
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
    'tasknote:kubeconfig': LANE.kubeconfig,
    'tasknote:cluster': { context: CONTEXT, server: SERVER },
    'tasknote:nodeImage': LANE.baseImage,
    ...(overrides === undefined ? {} : { 'tasknote:overrides': overrides }),
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
export function versionsIn(namespace: string, kinds: string, kubeconfig = LANE.kubeconfig): Record<string, string> {
  const r = kubectl(['get', kinds, '-n', namespace, '-o', 'json', '--ignore-not-found'], kubeconfig);
  if (r.status !== 0 || r.stdout.trim() === '') return {};
  const list = JSON.parse(r.stdout) as { items: { kind: string; metadata: { name: string; resourceVersion: string } }[] };
  return Object.fromEntries(list.items.map((i) => [`${i.kind}/${i.metadata.name}`, i.metadata.resourceVersion]));
}
