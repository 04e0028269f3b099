// The differential run of `check` against the API server: each mutant's one mutated object is
// created fresh by a server-side-apply dry run (strict field validation) into an existing
// namespace that enforces Pod Security `restricted` (a PodSecurity warning on a workload counts as
// a refusal), and the mutated stack is checked under the generic profile. Only findings of rules
// that claim API validity, on the mutated object, make check's verdict; the other findings are
// reported beside it. Server calls go straight to the API through `kubectl proxy`, several at a
// time, so a thousand mutants take a minute or two.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { checkPaths } from '../../../check';
import { API_VALIDATION_RULES } from '../../../check/rules/api-validation';
import { RESTRICTED_RULE_IDS, STRICTER_THAN_RESTRICTED } from '../../../check/rules/pod-security-controls';
import { SERVER_SCHEMA_RULE_IDS } from '../../../check/schema';
import type { KubeObject } from '../../../core/kube-object';
import { REPO_ROOT } from '../../../core/repo-root';
import type { Mutant, Stack } from './mutate';

/** Pod Security's checks as check models them, less its stricter part: a warning from the server is a refusal. */
export const POD_SECURITY_RULE_IDS = RESTRICTED_RULE_IDS.filter((id) => !STRICTER_THAN_RESTRICTED.includes(id));
/**
 * Rules whose findings claim that the API server refuses the object. `run-as-user` and
 * `seccomp-profile` are left out: they are stricter than Pod Security on purpose (docs/check.md).
 */
export const API_CLAIM_RULE_IDS: ReadonlySet<string> = new Set([
  ...SERVER_SCHEMA_RULE_IDS,
  ...API_VALIDATION_RULES.map((r) => r.id),
  ...POD_SECURITY_RULE_IDS,
]);

/**
 * Whether a finding claims the API server refuses the object: a rule of `API_CLAIM_RULE_IDS`, or
 * the part of `seccomp-profile` that restricted refuses too (a profile unset or Unconfined; only
 * Localhost, which restricted takes, is check's stricter part).
 */
export const claimsApiRefusal = (f: { ruleId: string; found: string }): boolean =>
  API_CLAIM_RULE_IDS.has(f.ruleId) || (f.ruleId === 'seccomp-profile' && !/seccompProfile\.type is Localhost$/.test(f.found));

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod', 'ReplicationController']);

/** The hand-written stacks under test/fixtures that are not TaskNote's own output. */
export function peerStacks(): Stack[] {
  const fixtures = join(REPO_ROOT, 'test', 'fixtures');
  const dirs = [
    ['good', join(fixtures, 'check', 'good')],
    ['other-stack', join(fixtures, 'check', 'other-stack')],
    ...readdirSync(join(fixtures, 'peers'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => [`peers/${d.name}`, join(fixtures, 'peers', d.name)]),
  ];
  return dirs.map(([name, dir]) => ({ name, objects: readStackDir(dir) }));
}

export function readStackDir(dir: string): KubeObject[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8'), { version: '1.1' }).map((d) => d.toJS() as KubeObject))
    .filter((o) => o !== null && typeof o === 'object');
}

export interface Verdict {
  readonly refused: boolean;
  readonly reason: string;
}

export interface Outcome {
  readonly mutant: Mutant;
  readonly server: Verdict;
  /** Findings of rules that claim API validity, on the mutated object. */
  readonly check: Verdict;
  /** The other findings on the mutated object (policy), for the report. */
  readonly policy: readonly string[];
}

/** `kubectl proxy` on a free port, and the API's resource names by apiVersion and kind. */
export class ApiServer {
  private constructor(
    private readonly proxy: ChildProcess,
    readonly base: string,
  ) {}

  static async start(kubeconfig: string): Promise<ApiServer> {
    const proxy = spawn('kubectl', ['--kubeconfig', kubeconfig, 'proxy', '--port=0', '--address=127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const base = await new Promise<string>((resolve, reject) => {
      let out = '';
      proxy.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /Starting to serve on ([\d.]+:\d+)/.exec(out);
        if (m) resolve(`http://${m[1]}`);
      });
      proxy.on('exit', (code) => reject(new Error(`kubectl proxy exited ${code}: ${out}`)));
      setTimeout(() => reject(new Error(`kubectl proxy did not start: ${out}`)), 30_000);
    });
    return new ApiServer(proxy, base);
  }

  stop(): void {
    this.proxy.kill();
  }

  private readonly resources = new Map<string, Promise<Map<string, { name: string; namespaced: boolean }>>>();

  /** The resource of a kind, from discovery; undefined when the server does not serve it. */
  async resourceOf(apiVersion: string, kind: string): Promise<{ url: string; namespaced: boolean } | undefined> {
    const prefix = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    if (!this.resources.has(prefix))
      this.resources.set(
        prefix,
        fetch(`${this.base}${prefix}`).then(async (r) => {
          const list = r.ok
            ? ((await r.json()) as { resources: { name: string; kind: string; namespaced: boolean }[] })
            : { resources: [] };
          return new Map(
            list.resources.filter((x) => !x.name.includes('/')).map((x) => [x.kind, { name: x.name, namespaced: x.namespaced }]),
          );
        }),
      );
    const found = (await this.resources.get(prefix)!).get(kind);
    return found && { url: `${prefix}/${found.namespaced ? 'namespaces/{ns}/' : ''}${found.name}`, namespaced: found.namespaced };
  }

  /** A server-side-apply dry run of one object, as a create into `namespace`. */
  async dryRunApply(object: KubeObject, namespace: string): Promise<Verdict> {
    const resource = await this.resourceOf(String(object.apiVersion), String(object.kind));
    if (!resource) return { refused: true, reason: `the server serves no ${object.kind} in ${object.apiVersion}` };
    const name = object.metadata?.name;
    if (typeof name !== 'string' || name === '') return { refused: true, reason: 'kubectl: resource name may not be empty' };
    const body = resource.namespaced ? { ...object, metadata: { ...object.metadata, namespace } } : object;
    const url = `${this.base}${resource.url.replace('{ns}', namespace)}/${encodeURIComponent(name)}?dryRun=All&fieldManager=check-differential&fieldValidation=Strict&force=true`;
    const r = await fetch(url, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: JSON.stringify(body),
    });
    if (!r.ok) {
      const text = await r.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not a Status object: keep the text
      }
      return { refused: true, reason: `${r.status}: ${message}`.slice(0, 400) };
    }
    const warning = r.headers.get('warning') ?? '';
    if (WORKLOADS.has(String(object.kind)) && /violate PodSecurity/.test(warning)) return { refused: true, reason: warning.slice(0, 400) };
    return { refused: false, reason: '' };
  }
}

/** Runs `f` over `items`, `width` at a time, keeping the order. */
export async function pool<T, R>(items: readonly T[], width: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]);
      }
    }),
  );
  return out;
}

/**
 * check's verdict on a mutant: the mutated stack written as YAML (the mutated object in a file of
 * its own) and checked as `check --format json <dir>` checks it, under the generic profile.
 */
export function checkVerdict(
  stack: Stack,
  mutant: Pick<Mutant, 'index' | 'object' | 'id'>,
  workDir: string,
): { check: Verdict; policy: string[] } {
  const dir = join(workDir, mutant.id);
  mkdirSync(dir, { recursive: true });
  const rest = stack.objects.filter((_, i) => i !== mutant.index);
  writeFileSync(join(dir, 'rest.yaml'), rest.map((o) => stringify(o, { version: '1.1' })).join('---\n'));
  const own = join(dir, 'mutant.yaml');
  writeFileSync(own, stringify(mutant.object, { version: '1.1' }));
  const findings = checkPaths([dir])
    .targets.flatMap((t) => t.findings)
    .filter((f) => f.source === own || f.ruleId === 'yaml-syntax');
  const claims = findings.filter(claimsApiRefusal);
  return {
    check: { refused: claims.length > 0, reason: [...new Set(claims.map((f) => `${f.ruleId} at ${f.path}`))].join('; ') },
    policy: [...new Set(findings.filter((f) => !claimsApiRefusal(f)).map((f) => f.ruleId))],
  };
}

export interface Confusion {
  readonly bothRefuse: number;
  readonly falseNegatives: number;
  readonly falsePositives: number;
  readonly bothAccept: number;
}

export function confusion(outcomes: readonly Outcome[]): Confusion {
  const count = (s: boolean, c: boolean) => outcomes.filter((o) => o.server.refused === s && o.check.refused === c).length;
  return {
    bothRefuse: count(true, true),
    falseNegatives: count(true, false),
    falsePositives: count(false, true),
    bothAccept: count(false, false),
  };
}

export function formatConfusion(c: Confusion): string {
  return [
    '                      check refuses   check accepts',
    `  server refuses      ${String(c.bothRefuse).padStart(13)}   ${String(c.falseNegatives).padStart(13)}  (false negatives)`,
    `  server accepts      ${String(c.falsePositives).padStart(13)}   ${String(c.bothAccept).padStart(13)}`,
    `  (false positives)`,
  ].join('\n');
}

/** The check rule that should have caught a miss, judged from the server's words and the path. */
export function ruleThatShouldFire(o: Outcome): string {
  const why = o.server.reason;
  const path = o.mutant.path.join('.');
  if (/PodSecurity/.test(why)) return 'a Pod Security rule (run-as-non-root, privileged, ...)';
  if (/unknown field|field not declared|duplicate field/.test(why)) return 'unknown-field';
  if (/Required value/.test(why)) return 'schema-required';
  if (/Unsupported value/.test(why)) return 'schema-enum';
  if (/metadata\.(labels|annotations)|spec\.template\.metadata/.test(why) || /labels|annotations/.test(path)) return 'label-syntax';
  if (/metadata\.name/.test(why)) return 'metadata-name';
  if (o.mutant.kind === 'HorizontalPodAutoscaler') return 'autoscaler-spec';
  if (/must be greater than or equal to 0|must be between|must not be greater/.test(why)) return 'value-range';
  if (/port/i.test(path)) return 'port-and-handler';
  if (/selector/i.test(path)) return 'selector-syntax';
  if (o.mutant.fieldClass === 'names') return 'name-per-kind';
  if (o.mutant.fieldClass === 'quantities') return 'schema-format or requests-within-limits';
  return 'cross-field';
}

export function formatOutcome(o: Outcome): string {
  const m = o.mutant;
  return [
    `  ${m.id} ${m.stack} ${m.kind}/${m.object.metadata?.name ?? '?'} ${m.path.join('.')} (${m.fieldClass}, ${m.change})`,
    `    server: ${o.server.refused ? `refuses: ${o.server.reason}` : 'accepts'}`,
    `    check:  ${o.check.refused ? `refuses: ${o.check.reason}` : `accepts; should fire: ${ruleThatShouldFire(o)}`}${o.policy.length > 0 ? ` (policy findings: ${o.policy.join(', ')})` : ''}`,
  ].join('\n');
}
