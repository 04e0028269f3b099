// Reads a workload of dist/<env> into what a container engine needs to run it
// as the kubelet would: image, command, env, security context, limits, probes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

type Obj = Record<string, any>;

export interface HttpProbe {
  path: string;
  port: number;
}

export interface Workload {
  kind: 'Deployment' | 'Job' | 'CronJob';
  name: string;
  /** Image repository without registry or tag, e.g. `tasknote-api`. */
  repository: string;
  command: string[];
  /** Plain env: the ConfigMaps of envFrom, then literal `env` values. */
  configEnv: Record<string, string>;
  /** Env vars from Secrets: name -> `secret/key`. */
  secretEnv: Record<string, string>;
  user: number;
  group: number;
  supplementalGroups: number[];
  readOnlyRootFilesystem: boolean;
  dropCapabilities: string[];
  allowPrivilegeEscalation: boolean;
  seccomp: string | undefined;
  memoryLimitBytes: number;
  cpuLimit: number;
  /** emptyDir mounts: path -> size limit in bytes (undefined: no limit). */
  tmpfs: Record<string, number | undefined>;
  readiness: HttpProbe | undefined;
  liveness: HttpProbe | undefined;
  startup: HttpProbe | undefined;
  preStop: string[] | undefined;
  terminationGracePeriodSeconds: number;
}

const BINARY_UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
const DECIMAL_UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9 };

export function parseQuantityBytes(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(q);
  if (!m) throw new Error(`cannot read '${q}' as a memory quantity (expected e.g. 256Mi)`);
  const unit = m[2] ?? '';
  return Math.round(Number(m[1]) * (BINARY_UNITS[unit] ?? DECIMAL_UNITS[unit]!));
}

export function parseCpu(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(q);
  if (!m) throw new Error(`cannot read '${q}' as a CPU quantity (expected e.g. 500m or 1)`);
  return m[2] ? Number(m[1]) / 1000 : Number(m[1]);
}

export function loadObjects(dir: string): Obj[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Obj | null))
    .filter((o): o is Obj => o !== null && typeof o === 'object');
}

function podSpecOf(o: Obj): Obj {
  if (o.kind === 'CronJob') return o.spec.jobTemplate.spec.template.spec;
  return o.spec.template.spec;
}

function probe(p: Obj | undefined, ports: Obj[], where: string): HttpProbe | undefined {
  if (p === undefined) return undefined;
  if (!p.httpGet) throw new Error(`${where}: only httpGet probes are supported by the image contract test`);
  const { path, port } = p.httpGet;
  const resolved = typeof port === 'number' ? port : ports.find((cp) => cp.name === port)?.containerPort;
  if (resolved === undefined) throw new Error(`${where}: probe port '${port}' names no containerPort`);
  return { path, port: resolved };
}

/** The workload `kind/name` of the objects, with its single container. */
export function workload(objects: Obj[], kind: Workload['kind'], name: string): Workload {
  const o = objects.find((x) => x.kind === kind && x.metadata?.name === name);
  if (!o) throw new Error(`no ${kind} named ${name} in the manifests`);
  const pod = podSpecOf(o);
  const where = `${kind}/${name}`;
  if (pod.containers.length !== 1) throw new Error(`${where}: expected one container, found ${pod.containers.length}`);
  const c = pod.containers[0];
  const psc = pod.securityContext ?? {};
  const csc = c.securityContext ?? {};

  const configEnv: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const ref = from.configMapRef?.name;
    if (ref === undefined) throw new Error(`${where}: envFrom other than configMapRef is not supported`);
    const cm = objects.find((x) => x.kind === 'ConfigMap' && x.metadata?.name === ref);
    if (!cm) throw new Error(`${where}: ConfigMap ${ref} is not in the manifests`);
    Object.assign(configEnv, cm.data ?? {});
  }
  const secretEnv: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) configEnv[e.name] = String(e.value);
    else if (e.valueFrom?.secretKeyRef) secretEnv[e.name] = `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`;
    else throw new Error(`${where}: env ${e.name} has a source the test cannot provide`);
  }

  const tmpfs: Record<string, number | undefined> = {};
  for (const m of c.volumeMounts ?? []) {
    const v = (pod.volumes ?? []).find((x: Obj) => x.name === m.name);
    if (!v?.emptyDir) throw new Error(`${where}: volume ${m.name} is not an emptyDir; the test only provides emptyDirs`);
    tmpfs[m.mountPath] = v.emptyDir.sizeLimit ? parseQuantityBytes(v.emptyDir.sizeLimit) : undefined;
  }

  const user = csc.runAsUser ?? psc.runAsUser;
  const group = csc.runAsGroup ?? psc.runAsGroup;
  if (user === undefined || group === undefined) throw new Error(`${where}: runAsUser and runAsGroup must be set`);
  const limits = c.resources?.limits ?? {};
  if (limits.memory === undefined || limits.cpu === undefined) throw new Error(`${where}: memory and CPU limits must be set`);
  const image: string = c.image;
  const repository = image.replace(/@.*$/, '').replace(/:[^/]*$/, '').split('/').pop()!;

  return {
    kind,
    name,
    repository,
    command: [...(c.command ?? []), ...(c.args ?? [])],
    configEnv,
    secretEnv,
    user,
    group,
    supplementalGroups: psc.fsGroup !== undefined ? [psc.fsGroup] : [],
    readOnlyRootFilesystem: csc.readOnlyRootFilesystem === true,
    dropCapabilities: csc.capabilities?.drop ?? [],
    allowPrivilegeEscalation: csc.allowPrivilegeEscalation !== false,
    seccomp: (csc.seccompProfile ?? psc.seccompProfile)?.type,
    memoryLimitBytes: parseQuantityBytes(limits.memory),
    cpuLimit: parseCpu(limits.cpu),
    tmpfs,
    readiness: probe(c.readinessProbe, c.ports ?? [], `${where} readinessProbe`),
    liveness: probe(c.livenessProbe, c.ports ?? [], `${where} livenessProbe`),
    startup: probe(c.startupProbe, c.ports ?? [], `${where} startupProbe`),
    preStop: c.lifecycle?.preStop?.exec?.command,
    terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds ?? 30,
  };
}

/** `docker run` flags that apply the workload's security context, limits and volumes. */
export function constraintFlags(w: Workload): string[] {
  const flags = ['--user', `${w.user}:${w.group}`];
  for (const g of w.supplementalGroups) flags.push('--group-add', String(g));
  if (w.readOnlyRootFilesystem) flags.push('--read-only');
  for (const cap of w.dropCapabilities) flags.push('--cap-drop', cap);
  if (!w.allowPrivilegeEscalation) flags.push('--security-opt', 'no-new-privileges');
  // RuntimeDefault is the engine's default seccomp profile, which docker applies unless told otherwise.
  if (w.seccomp !== 'RuntimeDefault') throw new Error(`${w.kind}/${w.name}: seccompProfile must be RuntimeDefault, is ${w.seccomp}`);
  // No swap, as on a kubelet node: the memory limit is the whole budget.
  flags.push('--memory', String(w.memoryLimitBytes), '--memory-swap', String(w.memoryLimitBytes));
  flags.push('--cpus', String(w.cpuLimit));
  for (const [path, size] of Object.entries(w.tmpfs)) {
    flags.push('--tmpfs', `${path}:rw,mode=1777${size !== undefined ? `,size=${size}` : ''}`);
  }
  return flags;
}
