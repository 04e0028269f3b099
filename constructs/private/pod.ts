// The hardened pod template every workload construct shares: security context, resources,
// probes, writable emptyDirs, preStop delay, topology spread and config-hash annotation.
import { Duration } from 'cdk8s';
import { createHash } from 'node:crypto';
import type { AppConfig } from '../app-config';
import type { EnvironmentChart } from '../environment-chart';
import type { EnvValue, PodProps, ProbeSpec, ResourceSpec } from '../types';
import { parseImageReference } from '../../core/image-reference';
import { checkImageRef, isDigestPinned } from '../../core/value-rules';
import * as k8s from './k8s';
import type { Rule } from './validate';

/** Pod-template annotation whose value changes whenever a ConfigMap the pods use changes. */
export const CONFIG_HASH_ANNOTATION = 'tasknote.dev/config-hash';
/** Annotation on a pod template: hash of the delivered content of the Secrets it reads (sealed Secrets). */
export const SECRET_HASH_ANNOTATION = 'tasknote.dev/secret-hash';

/** Default UID/GID of our own images (see services/<name>/src/contract.ts). */
export const DEFAULT_UID = 10001;

export interface PodContext {
  readonly chart: EnvironmentChart;
  readonly name: string;
  readonly serviceAccountName: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  /** Workloads that serve traffic get a preStop delay; batch pods do not. */
  readonly servesTraffic: boolean;
  /** @default - the API default, Always */
  readonly restartPolicy?: 'Never' | 'OnFailure';
}

const PROBE_DEFAULTS = {
  readiness: { period: 10, timeout: 2, failureThreshold: 3 },
  liveness: { period: 20, timeout: 3, failureThreshold: 3 },
  startup: { period: 5, timeout: 2, failureThreshold: 24 },
} as const;

/** Rules every pod-bearing construct applies to its PodProps; `servesTraffic` adds the preStop rule. */
export function podRules<P extends PodProps>(servesTraffic: boolean): Rule<P>[] {
  const uid = (p: P) => p.security?.runAsUser ?? DEFAULT_UID;
  const grace = (p: P) => (p.terminationGracePeriod ?? Duration.seconds(30)).toSeconds();
  const delay = (p: P) => (p.preStopDelay ?? Duration.seconds(5)).toSeconds();
  const r = (p: P) => p.resources;
  return [
    { when: (p) => checkImageRef(p.image) !== undefined, message: (p) => `image (${JSON.stringify(p.image)}) ${checkImageRef(p.image)}` },
    {
      when: (p) => !Number.isInteger(uid(p)) || uid(p) < 1,
      message: (p) => `security.runAsUser (${uid(p)}) must be a numeric non-root UID (an integer >= 1)`,
    },
    {
      when: (p) => p.security?.runAsGroup !== undefined && (!Number.isInteger(p.security.runAsGroup) || p.security.runAsGroup < 1),
      message: (p) => `security.runAsGroup (${p.security?.runAsGroup}) must be a non-root GID (an integer >= 1)`,
    },
    {
      when: (p) => servesTraffic && delay(p) >= grace(p),
      message: (p) => `preStopDelay (${delay(p)}s) must be shorter than terminationGracePeriod (${grace(p)}s)`,
    },
    ...(['cpu', 'memory', 'ephemeralStorage'] as const).flatMap((kind): Rule<P>[] => {
      const unit = kind === 'cpu' ? 'Millis' : 'MiB';
      const req = `${kind}Request${unit}` as keyof ResourceSpec;
      const lim = `${kind}Limit${unit}` as keyof ResourceSpec;
      return [
        {
          when: (p) => !(r(p)[req] > 0) || !(r(p)[lim] > 0),
          message: (p) => `resources.${req} (${r(p)[req]}) and resources.${lim} (${r(p)[lim]}) must both be > 0`,
        },
        {
          when: (p) => r(p)[lim] < r(p)[req],
          message: (p) => `resources.${lim} (${r(p)[lim]}) must be >= resources.${req} (${r(p)[req]})`,
        },
      ];
    }),
    {
      when: (p) => (p.security?.addCapabilities ?? []).some((c) => c !== 'NET_BIND_SERVICE'),
      message: (p) => `security.addCapabilities (${JSON.stringify(p.security?.addCapabilities)}) may only hold NET_BIND_SERVICE`,
    },
    {
      when: (p) => (p.writablePaths ?? ['/tmp']).some((w) => !w.startsWith('/')),
      message: (p) => `writablePaths (${JSON.stringify(p.writablePaths)}) must be absolute paths`,
    },
    {
      when: (p) => (p.ports ?? []).some((x) => !Number.isInteger(x.containerPort) || x.containerPort < 1 || x.containerPort > 65535),
      message: (p) => `ports (${JSON.stringify((p.ports ?? []).map((x) => x.containerPort))}) must be integers from 1 to 65535`,
    },
    {
      when: (p) => (p.ports ?? []).some((x) => x.name.length > 15 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(x.name)),
      message: (p) =>
        `port names (${JSON.stringify((p.ports ?? []).map((x) => x.name))}) must be IANA_SVC_NAMEs: lower-case, digits and '-', at most 15 characters`,
    },
  ];
}

/** `app.kubernetes.io/version` for an image: its tag, else a short digest, as a valid label value. */
export function versionOf(image: string): string {
  const ref = parseImageReference(image);
  const raw = ref?.tag ?? (ref?.digest ? ref.digest.replace(':', '-').slice(0, 19) : 'unknown');
  // Label values start and end with an alphanumeric and hold at most 63 characters.
  return (
    raw
      .slice(0, 63)
      .replace(/^[^A-Za-z0-9]+/, '')
      .replace(/[^A-Za-z0-9]+$/, '') || 'unknown'
  );
}

function quantity(value: number, unit: 'm' | 'Mi'): k8s.Quantity {
  return k8s.Quantity.fromString(`${value}${unit}`);
}

export function toResources(r: ResourceSpec): k8s.ResourceRequirements {
  return {
    requests: {
      cpu: quantity(r.cpuRequestMillis, 'm'),
      memory: quantity(r.memoryRequestMiB, 'Mi'),
      'ephemeral-storage': quantity(r.ephemeralStorageRequestMiB, 'Mi'),
    },
    limits: {
      cpu: quantity(r.cpuLimitMillis, 'm'),
      memory: quantity(r.memoryLimitMiB, 'Mi'),
      'ephemeral-storage': quantity(r.ephemeralStorageLimitMiB, 'Mi'),
    },
  };
}

function intOrString(port: number | string): k8s.IntOrString {
  return typeof port === 'number' ? k8s.IntOrString.fromNumber(port) : k8s.IntOrString.fromString(port);
}

function toProbe(spec: ProbeSpec, kind: keyof typeof PROBE_DEFAULTS): k8s.Probe {
  const d = PROBE_DEFAULTS[kind];
  const c = spec.check;
  const handler: Partial<k8s.Probe> =
    'http' in c
      ? { httpGet: { path: c.http.path, port: intOrString(c.http.port) } }
      : 'tcp' in c
        ? { tcpSocket: { port: intOrString(c.tcp.port) } }
        : { exec: { command: [...c.exec] } };
  return {
    ...handler,
    initialDelaySeconds: spec.initialDelay?.toSeconds() ?? 0,
    periodSeconds: spec.period?.toSeconds() ?? d.period,
    timeoutSeconds: spec.timeout?.toSeconds() ?? d.timeout,
    failureThreshold: spec.failureThreshold ?? d.failureThreshold,
    successThreshold: 1,
  };
}

/** A volume name for a writable path: `/tmp` -> `tmp`, `/var/run/postgresql` -> `var-run-postgresql`. */
export function volumeNameFor(path: string): string {
  return (
    path
      .replace(/^\/+|\/+$/g, '')
      .replace(/[^a-z0-9]+/gi, '-')
      .toLowerCase()
      .slice(0, 63) || 'root'
  );
}

function toEnv(env: Readonly<Record<string, EnvValue>>): k8s.EnvVar[] {
  return Object.entries(env).map(([name, value]) =>
    typeof value === 'string'
      ? { name, value }
      : { name, valueFrom: { secretKeyRef: { name: value.secretName, key: value.key, optional: false } } },
  );
}

/** Hash of the ConfigMaps a pod uses, so a change to any of them changes the pod template. */
export function configHash(configs: readonly AppConfig[]): string | undefined {
  if (configs.length === 0) return undefined;
  const h = createHash('sha256');
  for (const c of [...configs].sort((a, b) => a.name.localeCompare(b.name))) h.update(`${c.name}=${c.contentHash}\n`);
  return h.digest('hex').slice(0, 16);
}

/** Hash of the versions of the Secrets `env` reads, when any carries one; else undefined. */
export function secretHash(env: Readonly<Record<string, EnvValue>> | undefined): string | undefined {
  const versions = new Map<string, string>();
  for (const v of Object.values(env ?? {})) if (typeof v !== 'string' && v.version !== undefined) versions.set(v.secretName, v.version);
  if (versions.size === 0) return undefined;
  const h = createHash('sha256');
  for (const [name, version] of [...versions].sort(([a], [b]) => a.localeCompare(b))) h.update(`${name}=${version}\n`);
  return h.digest('hex').slice(0, 16);
}

/** The hardened pod template of a workload. */
export function buildPodTemplate(ctx: PodContext, opts: PodProps): k8s.PodTemplateSpec {
  const uid = opts.security?.runAsUser ?? DEFAULT_UID;
  const gid = opts.security?.runAsGroup ?? uid;
  const fsGroup = opts.security?.fsGroup ?? gid;
  const writable = opts.writablePaths ?? ['/tmp'];
  const graceSeconds = (opts.terminationGracePeriod ?? Duration.seconds(30)).toSeconds();
  const preStopSeconds = (opts.preStopDelay ?? Duration.seconds(5)).toSeconds();
  const configs = opts.config ?? [];
  const hash = configHash(configs);
  const secrets = secretHash(opts.env);
  const seccomp = { type: 'RuntimeDefault' };

  const probes = opts.probes;
  const container: k8s.Container = {
    name: ctx.name.replace(/^tasknote-/, ''),
    image: opts.image,
    imagePullPolicy: isDigestPinned(opts.image) ? 'IfNotPresent' : 'Always',
    ...(opts.command ? { command: [...opts.command] } : {}),
    ...(opts.args ? { args: [...opts.args] } : {}),
    ...(opts.ports && opts.ports.length > 0
      ? { ports: opts.ports.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: 'TCP' })) }
      : {}),
    ...(opts.env && Object.keys(opts.env).length > 0 ? { env: toEnv(opts.env) } : {}),
    ...(configs.length > 0 ? { envFrom: configs.map((c) => ({ configMapRef: { name: c.name, optional: false } })) } : {}),
    resources: toResources(opts.resources),
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: uid,
      runAsGroup: gid,
      capabilities: { drop: ['ALL'], ...(opts.security?.addCapabilities?.length ? { add: [...opts.security.addCapabilities] } : {}) },
      seccompProfile: seccomp,
    },
    ...(probes
      ? {
          readinessProbe: toProbe(probes.readiness, 'readiness'),
          livenessProbe: toProbe(probes.liveness, 'liveness'),
          startupProbe: toProbe(probes.startup ?? { check: probes.liveness.check }, 'startup'),
        }
      : {}),
    ...(ctx.servesTraffic
      ? {
          lifecycle: {
            preStop: { exec: { command: [...(opts.preStopCommand ?? ['sleep', String(preStopSeconds)])] } },
          },
        }
      : {}),
    volumeMounts: [
      ...writable.map((path) => ({ name: volumeNameFor(path), mountPath: path })),
      ...(opts.extraVolumes ?? []).map((v) => ({ name: v.volume.name, mountPath: v.mountPath, readOnly: v.readOnly ?? false })),
    ],
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };

  const spread = (topologyKey: string): k8s.TopologySpreadConstraint => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: ctx.selector },
  });

  return {
    metadata: {
      labels: ctx.labels,
      ...(hash || secrets
        ? {
            annotations: { ...(hash ? { [CONFIG_HASH_ANNOTATION]: hash } : {}), ...(secrets ? { [SECRET_HASH_ANNOTATION]: secrets } : {}) },
          }
        : {}),
    },
    spec: {
      serviceAccountName: ctx.serviceAccountName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      ...(ctx.restartPolicy ? { restartPolicy: ctx.restartPolicy } : {}),
      terminationGracePeriodSeconds: graceSeconds,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: gid,
        fsGroup,
        seccompProfile: seccomp,
      },
      topologySpreadConstraints: [spread('kubernetes.io/hostname'), ...(opts.zoneSpread ? [spread('topology.kubernetes.io/zone')] : [])],
      containers: [container],
      volumes: [
        ...writable.map((path) => ({ name: volumeNameFor(path), emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } })),
        ...(opts.extraVolumes ?? []).map((v) => v.volume),
      ],
    },
  };
}
