// The boundaries of every environment field, on both sides, with the consumer that judges them.
// test/environments/boundaries.test.ts checks synth's side in `npm test`; the cluster lane
// (test/cluster/env-boundaries.ctest.ts) asks the API server for its side with a server-side
// dry run, and requires the two to agree, but for the values listed in `stricter`.
import { profileForEnvironment } from '../../app/check-profiles';
import { checkObjects, formatReport } from '../../check';
import { SynthError, SynthOutput, synthesizeEnvironment } from '../../app/synth';
import { ConfigError } from '../../environments/load';
import type { EnvironmentName } from '../../core/environment-names';

/** A field whose value lands in a manifest field that the API server validates. */
export interface ApiServerBoundary {
  readonly field: string;
  readonly env: EnvironmentName;
  /** Kinds of the objects the field lands in; only these are submitted for the dry run. */
  readonly kinds: readonly string[];
  /**
   * A valid value found nowhere else in those objects. For the dry run, the environment is
   * synthesized with it, and each case's value is put where it appears (numbers also inside
   * quantities such as `437m` or `437Gi`): the manifest synth would write for that value.
   */
  readonly sentinel: string | number;
  /** Synth accepts these, and so does the API server. */
  readonly accept: readonly unknown[];
  /** Synth refuses these, and so does the API server. */
  readonly refuse: readonly unknown[];
  /** Synth refuses these although the API server takes them; value (as JSON) -> why. */
  readonly stricter?: Readonly<Record<string, string>>;
}

const a = (n: number) => 'a'.repeat(n);
/** A 253-character DNS name of labels of at most 63. */
const NAME_253 = [a(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)].join('.');

const LABEL_ONLY = 'the constructs name classes and Secrets with DNS-1123 labels; the API server takes a DNS subdomain here';

export const API_SERVER_BOUNDARIES: readonly ApiServerBoundary[] = [
  {
    field: 'namespace',
    env: 'dev',
    kinds: ['Namespace'],
    sentinel: 'sentinel-ns',
    accept: ['a', a(63), 'tasknote-qa', '0x'],
    refuse: [a(64), 'TaskNote', 'task_note', 'tasknote-', '-tasknote', 'task.note'],
    stricter: {
      '"default"': 'objects go into a namespace of their own, never default (EnvironmentChart)',
      '"kube-public"': 'kube- namespaces belong to the cluster (EnvironmentChart)',
    },
  },
  {
    field: 'ingress.host',
    env: 'staging',
    kinds: ['Ingress'],
    sentinel: 'sentinel.example.org',
    accept: ['a.b', 'tasknote.example.com', `${a(63)}.com`, NAME_253, '256.1.2.3', '1.2.3.4.5', 'x-1.example.com'],
    refuse: [
      `${NAME_253}e`,
      '10.1.2.3',
      '010.001.002.003',
      'Tasknote.example.com',
      'tasknote.example.com:443',
      'https://tasknote.example.com',
      'a..b',
      'tasknote_api.example.com',
      '-a.example.com',
    ],
    stricter: {
      [`"${a(64)}.com"`]: 'DNS labels hold at most 63 octets; no resolver finds this name (IsDNS1123Subdomain checks the total only)',
      '"*.example.com"': 'a wildcard is no host for the api to answer on',
      '"localhost"': 'the public host of the api needs a domain',
    },
  },
  {
    field: 'ingress.className',
    env: 'dev',
    kinds: ['Ingress'],
    sentinel: 'sentinel-class',
    accept: ['nginx', 'a', a(63)],
    refuse: ['Nginx', 'nginx_class', '-nginx', 'nginx-'],
    stricter: { '"nginx.example.com"': LABEL_ONLY, [`"${a(64)}"`]: LABEL_ONLY },
  },
  {
    field: 'ingress.tlsSecretName',
    env: 'staging',
    kinds: ['Ingress'],
    sentinel: 'sentinel-tls',
    accept: ['a', 'tasknote-tls', a(63)],
    refuse: ['Tasknote-tls', 'tasknote_tls', 'tasknote-tls-'],
    stricter: { '"tls.example"': LABEL_ONLY, [`"${a(64)}"`]: LABEL_ONLY },
  },
  {
    field: 'ingress.controllerNamespace',
    env: 'dev',
    kinds: ['NetworkPolicy'],
    sentinel: 'sentinel-ingress',
    accept: ['ingress-nginx', 'a', a(63)],
    refuse: [a(64), 'ingress-nginx-', '-ingress'],
    stricter: {
      '"Ingress_Nginx"': 'a label value may be this, but a namespace name may not: the policy would let no namespace in',
      '"ingress.nginx"': 'a label value may be this, but a namespace name may not: the policy would let no namespace in',
    },
  },
  {
    field: 'storageClass',
    env: 'dev',
    kinds: ['PersistentVolumeClaim', 'StatefulSet'],
    sentinel: 'sentinel-class',
    accept: ['a', 'standard', a(63)],
    refuse: ['Fast', 'fast_ssd', '-fast', 'fast-'],
    stricter: { '"ebs.csi.aws.com"': LABEL_ONLY, [`"${a(64)}"`]: LABEL_ONLY },
  },
  {
    field: 'api.replicas',
    env: 'dev',
    kinds: ['Deployment'],
    sentinel: 23,
    accept: [0, 1, 2147483647],
    refuse: [-1, 2147483648, 1.5],
  },
  {
    field: 'api.autoscaling.minReplicas',
    env: 'staging',
    kinds: ['HorizontalPodAutoscaler'],
    sentinel: 3,
    accept: [2, 4],
    refuse: [5, 0, -1],
    stricter: { '1': 'staging and prod keep at least two replicas (the check profile rule `replicas`)' },
  },
  {
    field: 'api.autoscaling.maxReplicas',
    env: 'staging',
    kinds: ['HorizontalPodAutoscaler'],
    sentinel: 7,
    accept: [2, 2147483647],
    refuse: [1, 0, 2147483648],
  },
  {
    field: 'api.autoscaling.behavior.scaleUp.stabilizationWindowSeconds',
    env: 'prod',
    kinds: ['HorizontalPodAutoscaler'],
    sentinel: 437,
    accept: [0, 3600],
    refuse: [-1, 3601, 1.5],
  },
  {
    field: 'api.autoscaling.behavior.scaleDown.stabilizationWindowSeconds',
    env: 'prod',
    kinds: ['HorizontalPodAutoscaler'],
    sentinel: 439,
    accept: [1, 3600],
    refuse: [-1, 3601],
    stricter: { '0': 'a scale-down window of 0 lets the HPA thrash (the check rule `hpa-behavior`)' },
  },
  {
    field: 'api.autoscaling.behavior.scaleUp.selectPolicy',
    env: 'prod',
    kinds: ['HorizontalPodAutoscaler'],
    sentinel: 'Disabled',
    accept: ['Max', 'Min'],
    refuse: ['max', 'Fastest'],
  },
  {
    field: 'api.autoscaling.behavior.scaleDown.selectPolicy',
    env: 'prod',
    kinds: ['HorizontalPodAutoscaler'],
    sentinel: 'Disabled',
    accept: ['Max', 'Min'],
    refuse: ['min', ''],
  },
  {
    field: 'api.autoscaling.targetCpuUtilizationPercent',
    env: 'staging',
    kinds: ['HorizontalPodAutoscaler'],
    sentinel: 59,
    accept: [1, 100],
    refuse: [0, -5],
    stricter: { '101': 'a target above the request lets pods run past their request before the autoscaler reacts' },
  },
  {
    field: 'api.resources.cpuRequestMillis',
    env: 'dev',
    kinds: ['Deployment'],
    sentinel: 437,
    accept: [1, 500],
    refuse: [501, -1],
    stricter: { '0': 'a request of 0 lets the scheduler put the pod anywhere; the project asks for a real request' },
  },
  {
    field: 'api.resources.cpuLimitMillis',
    env: 'dev',
    kinds: ['Deployment'],
    sentinel: 437,
    accept: [50, 64000],
    refuse: [49, 0],
    stricter: { '64001': "more than 64 cores is beyond every node this project targets (the project's bound)" },
  },
  {
    field: 'api.resources.memoryRequestMiB',
    env: 'dev',
    kinds: ['Deployment'],
    sentinel: 233,
    accept: [1, 256],
    refuse: [257, -1],
    stricter: { '0': 'a request of 0 lets the scheduler put the pod anywhere; the project asks for a real request' },
  },
  {
    field: 'api.resources.memoryLimitMiB',
    env: 'dev',
    kinds: ['Deployment'],
    sentinel: 233,
    accept: [128, 262144],
    refuse: [127, 0],
    stricter: { '262145': "more than 256 GiB is beyond every node this project targets (the project's bound)" },
  },
  {
    field: 'api.resources.ephemeralStorageRequestMiB',
    env: 'dev',
    kinds: ['Deployment'],
    sentinel: 229,
    accept: [1, 256],
    refuse: [257, -1],
    stricter: { '0': 'a request of 0 lets the scheduler put the pod anywhere; the project asks for a real request' },
  },
  {
    field: 'api.resources.ephemeralStorageLimitMiB',
    env: 'dev',
    kinds: ['Deployment'],
    sentinel: 229,
    accept: [64, 1048576],
    refuse: [63, 0],
    stricter: { '1048577': "more than 1 TiB of scratch space is the project's bound" },
  },
  {
    field: 'postgres.storageGiB',
    env: 'dev',
    kinds: ['StatefulSet'],
    sentinel: 437,
    accept: [1, 16384],
    refuse: [0, -1],
    stricter: { '16385': "more than 16 TiB is the project's bound (the largest EBS volume)" },
  },
  {
    field: 'backup.storageGiB',
    env: 'dev',
    kinds: ['PersistentVolumeClaim'],
    sentinel: 437,
    accept: [1, 16384],
    refuse: [0, -1],
    stricter: { '16385': "more than 16 TiB is the project's bound (the largest EBS volume)" },
  },
  {
    field: 'jobs.summarySchedule',
    env: 'dev',
    kinds: ['CronJob'],
    sentinel: '17 3 * * *',
    accept: [
      '0 6 * * *',
      '0 6 * * 0',
      '0 6 * * 6',
      '0 6 * * sun',
      '0 6 * * MON-FRI',
      '59 23 31 12 *',
      '0 0 1 1 *',
      '? 6 * * *',
      '*/60 * * * *',
      '5/15 * * * *',
      '0 6,,7 * * *',
      '+5 6 * * *',
      '@daily',
      '@hourly',
      '@yearly',
    ],
    refuse: [
      '0 6 * * 7',
      '60 6 * * *',
      '0 24 * * *',
      '0 6 0 * *',
      '0 6 32 * *',
      '0 6 * 13 *',
      '0 6 L * *',
      '0 6 * * 1#2',
      '0 6 15W * *',
      '0 6 * * 5-1',
      '*/0 * * * *',
      '0 6 * *',
      '0 0 6 * * *',
      '',
      '@Daily',
      '@reboot',
      'TZ=UTC 0 6 * * *',
      'CRON_TZ=Europe/Berlin 0 6 * * *',
    ],
    stricter: { '"@every 1h"': 'an interval counted from whenever the controller last ran, which timeZone has no say over' },
  },
  {
    field: 'backup.schedule',
    env: 'dev',
    kinds: ['CronJob'],
    sentinel: '19 4 * * *',
    accept: ['30 2 * * *', '@weekly', '0 0 * * SAT'],
    refuse: ['30 2 * * 7', '30 2 * * * *', '@every'],
  },
  {
    field: 'jobs.timeZone',
    env: 'dev',
    kinds: ['CronJob'],
    sentinel: 'America/Noronha',
    accept: [
      'UTC',
      'Etc/UTC',
      'Europe/Berlin',
      'US/Pacific',
      'EST',
      'GMT',
      'Etc/GMT+5',
      'Zulu',
      'Asia/Calcutta',
      'America/Argentina/ComodRivadavia',
    ],
    refuse: ['us/pacific', 'europe/berlin', 'utc', 'Local', 'local', 'Mars/Olympus', 'Europe/Berlin ', 'UTC+1', ''],
    stricter: { '"Factory"': "Node's Intl refuses it, and the summary job reads the same value as SUMMARY_TIME_ZONE" },
  },
  {
    field: 'smtp.egressCidr',
    env: 'dev',
    kinds: ['NetworkPolicy'],
    sentinel: '192.0.2.0/24',
    accept: ['0.0.0.0/0', '10.0.0.0/8', '10.1.2.3/32', '172.16.0.0/12'],
    refuse: ['10.0.0.0/33', '10.0.0.0', '256.0.0.0/8', 'a.b.c.d/8', '10.0.0.0/-1', ''],
    stricter: {
      '"10.0.0.1/8"': 'bits set past the prefix: the API server warns that it will refuse this, and does under StrictIPCIDRValidation',
      '"010.0.0.0/8"': 'leading zeros read as octal by some software: the API server warns that it will refuse this',
      '"10.0.0.0/08"': 'a leading zero in the prefix length: the API server warns that it will refuse this',
    },
  },
  {
    field: 'smtp.port',
    env: 'dev',
    kinds: ['NetworkPolicy'],
    sentinel: 2587,
    accept: [1, 25, 65535],
    refuse: [0, 65536, -25],
  },
];

/** Fields whose value the API server does not judge, with who does and where that is tested. */
export const OTHER_CONSUMERS: Readonly<Record<string, string>> = {
  name: 'the loader: it must equal the file (test/environments/load.test.ts)',
  imageSource: 'the loader: build or release record (test/environments/load.test.ts)',
  'cluster.kind': "the deploy step's registry and guard logic (test/deploy)",
  'cluster.context': 'the wrong-cluster guard, against the kubeconfig (test/deploy/cluster-guard.test.ts)',
  'cluster.server': 'the wrong-cluster guard, against the kubeconfig (test/environments/boundaries.test.ts)',
  registry: "the container runtime's reference grammar; the API server only refuses whitespace (test/environments/boundaries.test.ts)",
  devImageTag: "the container runtime's reference grammar (test/environments/boundaries.test.ts)",
  'postgres.image': "the container runtime's reference grammar (test/environments/boundaries.test.ts)",
  'redis.image': "the container runtime's reference grammar (test/environments/boundaries.test.ts)",
  logLevel: "the api's and the worker's LOG_LEVEL parsers (test/environments/consumers.test.ts)",
  zoneSpread: 'a boolean that picks the topology spread constraints (test/constructs)',
  'worker.thumbnailSizes': "the worker's THUMBNAIL_SIZES parser, which treats the list as a set (test/environments/consumers.test.ts)",
  'smtp.host': "the summary command's SMTP client (test/environments/consumers.test.ts)",
  'smtp.from': "the summary command's SMTP_FROM parser (test/environments/consumers.test.ts)",
  'redis.maxMemoryMiB': "redis-server's --maxmemory, below the memory limit (the RedisCache rule, test/constructs)",
  'api.autoscaling.behavior.scaleUp.policies':
    "the API server's HPA policy rules (type Pods or Percent, value >= 1, period 1-1800 s, at least one), in core/value-rules.ts checkScalingRules (test/environments/autoscaling.test.ts, test/constructs/private/deployment-workload.test.ts)",
  'api.autoscaling.behavior.scaleDown.policies':
    "the API server's HPA policy rules (type Pods or Percent, value >= 1, period 1-1800 s, at least one), in core/value-rules.ts checkScalingRules (test/environments/autoscaling.test.ts, test/constructs/private/deployment-workload.test.ts)",
  'backup.retentionDays': "the backup script's `find -mtime` (test/environments/boundaries.test.ts)",
  'secrets.provider':
    'the stack, which emits SealedSecrets, ExternalSecrets or nothing for the deploy to create (test/app/secret-providers.test.ts)',
  'secrets.store.kind': "the External Secrets CRD schema's secretStoreRef.kind enum, via check (test/app/secret-providers.test.ts)",
  'secrets.store.name': "the ExternalSecret's secretStoreRef.name, a DNS-1123 subdomain (test/app/secret-providers.test.ts)",
  'secrets.refreshIntervalSeconds': "External Secrets Operator's refreshInterval, a Go duration (test/app/secret-providers.test.ts)",
  'secrets.remoteKeys': "the secret store's remote keys, by the stack's logical secret ids (test/app/secret-providers.test.ts)",
};

/**
 * The boundary that covers `path`: the fields of every workload's replicas, autoscaling and
 * resources share one schema, tried on the api's.
 */
export function representative(path: string): string {
  return path
    .replace(/^(worker|postgres|redis|jobs)\.resources\./, 'api.resources.')
    .replace(/^worker\.(replicas|autoscaling\.)/, 'api.$1');
}

/** `--set` text for a value: JSON, which YAML reads back as exactly that value. */
export const setArg = (field: string, value: unknown) => `${field}=${JSON.stringify(value)}`;

export interface SynthVerdict {
  readonly accepted: boolean;
  readonly message: string;
  readonly outputs: SynthOutput[];
}

/**
 * What `tasknote synth --env <env> --set …` says, run in process: runSynth's steps (validation,
 * constructs, then the check) without the writing, which only costs time here.
 */
export function synthVerdict(env: EnvironmentName, sets: readonly string[]): SynthVerdict {
  let output: SynthOutput;
  try {
    output = synthesizeEnvironment(env, { overrides: sets });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof SynthError)
      return { accepted: false, message: `${err.message}\nNothing was written.`, outputs: [] };
    throw err;
  }
  const report = checkObjects(
    output.files.flatMap((f) => f.objects.map((object) => ({ source: `dist/${env}/${f.path}`, object }))),
    { name: env, profile: profileForEnvironment(env) },
  );
  if (!report.ok)
    return { accepted: false, message: `${formatReport(report, 'text')}\nThe manifests fail the check. Nothing was written.`, outputs: [] };
  return { accepted: true, message: '', outputs: [output] };
}
