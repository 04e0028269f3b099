// The typed, validated shape of one environment's configuration.
import { z } from 'zod';
import { ENVIRONMENT_NAMES } from '../core/environment-names';
import {
  checkCron,
  checkDnsLabel,
  checkHostname,
  checkImageRef,
  checkPort,
  checkRegistry,
  checkScalingRules,
  checkTimeZone,
  SCALING_POLICY_TYPES,
  SELECT_POLICIES,
} from '../core/value-rules';
import { checkCanonicalCidrV4, checkConnectHost, checkServerUrl, INT32_MAX } from './checks';


/** A zod string checked by one of the shared value checks of constructs/validators. */
const checked = (check: (v: string) => string | undefined) =>
  z.string().superRefine((v, ctx) => {
    const problem = check(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const port = z.number().superRefine((v, ctx) => {
  const problem = checkPort(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * Container resources, units in the names (millicores, MiB). Limits must not be below requests.
 * The API server takes any quantity from 0; the upper bounds here are the project's own.
 */
export const resourcesSchema = z
  .object({
    cpuRequestMillis: z.number().int().min(1).max(64000).describe('CPU request in millicores (1000 = one core).'),
    cpuLimitMillis: z.number().int().min(1).max(64000).describe('CPU limit in millicores; at least `cpuRequestMillis`.'),
    memoryRequestMiB: z.number().int().min(1).max(262144).describe('memory request in MiB.'),
    memoryLimitMiB: z.number().int().min(1).max(262144).describe('memory limit in MiB; at least `memoryRequestMiB`.'),
    ephemeralStorageRequestMiB: z.number().int().min(1).max(1048576).describe('ephemeral storage request in MiB (scratch space and logs).'),
    ephemeralStorageLimitMiB: z
      .number()
      .int()
      .min(1)
      .max(1048576)
      .describe('ephemeral storage limit in MiB; at least `ephemeralStorageRequestMiB`.'),
  })
  .strict()
  .superRefine((r, ctx) => {
    for (const [req, lim] of [
      ['cpuRequestMillis', 'cpuLimitMillis'],
      ['memoryRequestMiB', 'memoryLimitMiB'],
      ['ephemeralStorageRequestMiB', 'ephemeralStorageLimitMiB'],
    ] as const) {
      if (r[lim] < r[req]) ctx.addIssue({ code: 'custom', path: [lim], message: `must be >= ${req} (${r[req]})` });
    }
  });

/** One direction of an HPA behavior, in the API's own terms; the API server's rules (core/value-rules). */
const scalingRulesSchema = z
  .object({
    stabilizationWindowSeconds: z
      .number()
      .optional()
      .describe('seconds a recommendation must hold before the autoscaler acts on it, 0 to 3600.'),
    selectPolicy: z.enum(SELECT_POLICIES).optional().describe('which policy wins when several allow a change (`Disabled` turns this direction off).'),
    policies: z
      .array(
        z
          .object({
            type: z.enum(SCALING_POLICY_TYPES).describe('`Pods` (a pod count) or `Percent` (of the current pods).'),
            value: z.number().describe('how many pods, or what percentage, may change per period; at least 1.'),
            periodSeconds: z.number().describe('the period, 1 to 1800 seconds.'),
          })
          .strict(),
      )
      .optional()
      .describe('the limits on each scaling step; at least one.'),
  })
  .strict()
  .superRefine((rules, ctx) => {
    for (const { path, problem } of checkScalingRules(rules)) {
      ctx.addIssue({ code: 'custom', path: path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)), message: problem.replace(/^\([^)]*\) /, '') });
    }
  });

export const autoscalingSchema = z
  .object({
    minReplicas: z.number().int().min(1).max(INT32_MAX).describe('fewest pods the HorizontalPodAutoscaler keeps; at most `maxReplicas`.'),
    maxReplicas: z.number().int().min(1).max(INT32_MAX).describe('most pods the HorizontalPodAutoscaler starts.'),
    targetCpuUtilizationPercent: z
      .number()
      .int()
      .min(1)
      .max(100)
      .describe(
        'average CPU use, as a percentage of the CPU request, that the autoscaler aims at (the API server takes more than 100; this project does not).',
      ),
    behavior: z
      .object({ scaleUp: scalingRulesSchema.optional(), scaleDown: scalingRulesSchema.optional() })
      .strict()
      .optional()
      .describe('how fast the autoscaler scales each way; each part left out keeps the construct default (docs/architecture.md, Autoscaling defaults).'),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.minReplicas > a.maxReplicas) {
      ctx.addIssue({ code: 'custom', path: ['minReplicas'], message: `must be <= maxReplicas (${a.maxReplicas})` });
    }
  });

const workloadShape = {
  replicas: z.number().int().min(0).max(INT32_MAX).optional().describe('fixed pod count (an int32); set either this or `autoscaling`.'),
  autoscaling: autoscalingSchema.optional().describe('a HorizontalPodAutoscaler instead of a fixed count; set either this or `replicas`.'),
  resources: resourcesSchema.describe(
    "requests and limits of the container (the API server takes any quantity from 0; the bounds here are the project's own).",
  ),
};

/** A stateless workload runs a fixed replica count or an autoscaler, never both. */
function oneScalingMode(w: { replicas?: number; autoscaling?: unknown }, ctx: z.RefinementCtx): void {
  if (w.replicas !== undefined && w.autoscaling !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['replicas'], message: "set either 'replicas' or 'autoscaling', not both" });
  }
  if (w.replicas === undefined && w.autoscaling === undefined) {
    ctx.addIssue({ code: 'custom', path: ['replicas'], message: "set 'replicas' or 'autoscaling'" });
  }
}

/** Cluster flavours an environment can name. */
export const CLUSTER_KINDS = ['kind', 'minikube', 'k3d', 'local', 'eks', 'gke', 'aks'] as const;

/** Clusters on the deploying machine (or next to it): their registry takes anonymous pushes. */
export const LOCAL_CLUSTER_KINDS: readonly (typeof CLUSTER_KINDS)[number][] = ['kind', 'minikube', 'k3d', 'local'];

/** The worker renders each width once: the list is a set, so a repeated width is a mistake. */
const thumbnailSizes = z
  .array(z.number().int().min(16).max(4096))
  .min(1)
  .superRefine((sizes, ctx) => {
    const seen = new Set<number>();
    for (const [i, size] of sizes.entries()) {
      if (seen.has(size))
        ctx.addIssue({ code: 'custom', path: [i], message: `repeats width ${size}: the worker treats the list as a set` });
      seen.add(size);
    }
  });

/** How an environment's Secrets arrive in the cluster. */
export const SECRET_PROVIDERS = ['pulumi', 'sealed-secrets', 'external-secrets'] as const;
export type SecretProvider = (typeof SECRET_PROVIDERS)[number];

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A remote key as secret managers name them: printable, no spaces, at most 512 characters. */
const REMOTE_KEY = /^[A-Za-z0-9_.\/:@+=-]{1,512}$/;

const secretsSchema = z
  .object({
    provider: z
      .enum(SECRET_PROVIDERS)
      .describe(
        'how the Secrets arrive: `pulumi` (the deploy creates them from stack config), `sealed-secrets` (SealedSecrets from environments/sealed/<env>/, unsealed by the cluster\'s controller) or `external-secrets` (ExternalSecrets read from `secrets.store`). Secret names and keys are the same either way.',
      ),
    store: z
      .object({
        kind: z.enum(['SecretStore', 'ClusterSecretStore']).describe('the kind of the External Secrets store the ExternalSecrets read from.'),
        name: z
          .string()
          .regex(DNS_SUBDOMAIN, 'must be a DNS-1123 subdomain: lower-case letters, digits, \'-\' and \'.\', at most 253 characters')
          .describe('the name of that store (a DNS-1123 subdomain); a `SecretStore` lives in the environment\'s namespace.'),
      })
      .strict()
      .optional()
      .describe('with `external-secrets`: the SecretStore or ClusterSecretStore (AWS Secrets Manager, GCP Secret Manager, Vault, …).'),
    refreshIntervalSeconds: z
      .number()
      .int()
      .min(0)
      .max(604800)
      .optional()
      .describe('with `external-secrets`: how often the operator reads the store again, in seconds (0: only once), at most a week; default 3600.'),
    remoteKeys: z
      .record(z.string(), z.string().regex(REMOTE_KEY, 'must be a remote key: 1-512 letters, digits and _ . / : @ + = -'))
      .optional()
      .describe(
        'with `external-secrets`: the remote key of each Secret, by the stack\'s logical secret id (`database`, `admin`, `smtp`); each Secret key is read as the property of the same name. A Secret left out reads `<namespace>/<Secret name>`.',
      ),
  })
  .strict()
  .superRefine((s, ctx) => {
    const esOnly = ['store', 'refreshIntervalSeconds', 'remoteKeys'] as const;
    if (s.provider === 'external-secrets' && s.store === undefined) {
      ctx.addIssue({ code: 'custom', path: ['store'], message: "is required when provider is 'external-secrets'" });
    }
    if (s.provider !== 'external-secrets') {
      for (const field of esOnly) {
        if (s[field] !== undefined)
          ctx.addIssue({ code: 'custom', path: [field], message: `applies only when provider is 'external-secrets' (provider is '${s.provider}')` });
      }
    }
  });

const DNS_LABEL_TEXT = "a DNS-1123 label: lower-case letters, digits and '-', at most 63 characters";
const CRON_TEXT =
  "a CronJob schedule as the API server's parser (robfig/cron, standard) takes it: five fields 'minute hour day-of-month month day-of-week' with `*`, `?`, ranges, steps, lists and the names jan-dec and sun-sat (day of week 0-6), or @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly. Not `@every`, not seconds, not `L`/`W`/`#`, no `TZ=`.";

export const environmentSchema = z
  .object({
    name: z.enum(ENVIRONMENT_NAMES).describe('the environment this file configures; must equal the file it is in.'),
    namespace: checked(checkDnsLabel).describe(
      `the Namespace every object goes into: ${DNS_LABEL_TEXT}; not \`default\` or a \`kube-\` namespace.`,
    ),
    cluster: z
      .object({
        /**
         * Which flavour of cluster this is (kind, minikube, k3d, eks, gke, aks; `local` is the
         * control plane of `npm run cluster:up`, named only by the stack config `tasknote:cluster`).
         */
        kind: z.enum(CLUSTER_KINDS).describe('which flavour of cluster this is; `local` is the control plane of `npm run cluster:up`.'),
        /** kubeconfig context a deploy must use; the wrong-cluster guard checks it. */
        context: z.string().min(1).describe('the kubeconfig context a deploy must use; the wrong-cluster guard checks it.'),
        /** API server URL the context must point at. */
        server: checked(checkServerUrl).describe(
          'the API server URL that context must point at: http(s), a host, a port 1-65535 if any; no user, query or fragment.',
        ),
      })
      .strict()
      .describe('the cluster a deploy of this environment may touch.'),
    /** Registry prefix images are pushed to and pulled from, e.g. `localhost:5001`. */
    registry: checked(checkRegistry).describe(
      "registry prefix service images are pushed to and pulled from: host[:port][/path] in lower case, port 1-65535, path parts joined by '.', '_', '__' or '-' (the container runtimes' reference grammar).",
    ),
    /** Where service images come from: built from the working tree, or the release record. */
    imageSource: z
      .enum(['build', 'release'])
      .describe('where service images come from: built from the working tree, or the release record in environments/releases/.'),
    /** Tag of service images when `imageSource` is `build` and the deploy step has not pinned digests. */
    devImageTag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be a Docker tag: letters, digits, _ . -')
      .refine((t) => t !== 'latest', "must not be 'latest': pin a version")
      .describe(
        "tag of the service images when `imageSource` is `build`: a Docker tag (letters, digits, '_', '.', '-'; at most 128, not starting with '.' or '-'), never `latest`.",
      ),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).describe("the services' LOG_LEVEL."),
    ingress: z
      .object({
        host: checked(checkHostname).describe(
          'the public host of the api, as an Ingress rule and its TLS section take it: a lower-case DNS name with at least one dot, labels of at most 63 characters, at most 253 in all; not an IP address, URL, port or wildcard.',
        ),
        className: checked(checkDnsLabel).describe(
          `the IngressClass: ${DNS_LABEL_TEXT} (the API server takes a DNS subdomain; the constructs keep to labels).`,
        ),
        /** Namespace of the ingress controller, which network policy lets reach the api. */
        controllerNamespace: checked(checkDnsLabel).describe(
          `the namespace of the ingress controller, which network policy lets reach the api: ${DNS_LABEL_TEXT}.`,
        ),
        tlsSecretName: checked(checkDnsLabel)
          .optional()
          .describe(`the Secret holding the TLS certificate; no TLS when absent: ${DNS_LABEL_TEXT}.`),
      })
      .strict()
      .describe('how the api is reached from outside.'),
    storageClass: checked(checkDnsLabel).describe(`StorageClass of every volume claim: ${DNS_LABEL_TEXT}.`),
    /** Spread replicas across zones as well as nodes. */
    zoneSpread: z.boolean().describe('spread replicas across zones as well as nodes.'),
    api: z.object(workloadShape).strict().superRefine(oneScalingMode).describe('the HTTP api Deployment.'),
    worker: z
      .object({
        ...workloadShape,
        thumbnailSizes: thumbnailSizes.describe(
          'widths in pixels the worker renders thumbnails at: at least one, each 16-4096, no width twice (the worker treats the list as a set).',
        ),
      })
      .strict()
      .superRefine(oneScalingMode)
      .describe('the image-resize worker Deployment.'),
    postgres: z
      .object({
        image: checked(checkImageRef).describe(
          "PostgreSQL image, pinned by a tag (not `latest`) or a digest, in the container runtimes' reference grammar (a registry port 1-65535).",
        ),
        storageGiB: z.number().int().min(1).max(16384).describe('size of the data volume in GiB.'),
        resources: resourcesSchema.describe('requests and limits of the database container.'),
      })
      .strict()
      .describe('the PostgreSQL StatefulSet.'),
    redis: z
      .object({
        image: checked(checkImageRef).describe('Redis image, pinned by a tag (not `latest`) or a digest, as for `postgres.image`.'),
        maxMemoryMiB: z
          .number()
          .int()
          .min(16)
          .max(262144)
          .describe("Redis's maxmemory in MiB; below `redis.resources.memoryLimitMiB`, for headroom."),
        resources: resourcesSchema.describe('requests and limits of the cache container.'),
      })
      .strict()
      .describe('the Redis cache.'),
    jobs: z
      .object({
        resources: resourcesSchema.describe('requests and limits of the migration, summary and backup jobs.'),
        summarySchedule: checked(checkCron).describe(`when the daily summary runs: ${CRON_TEXT}`),
        timeZone: checked(checkTimeZone).describe(
          "time zone of both CronJobs and of the summary's day: a name of the tz database the API server embeds, spelled exactly as listed (aliases such as `US/Pacific` and `Etc/GMT+5` in their own case; not `Local`, not lower case), that Node's Intl knows as well.",
        ),
      })
      .strict()
      .describe('the scheduled jobs.'),
    smtp: z
      .object({
        host: checked(checkConnectHost).describe(
          'the SMTP relay the summary job sends through: a lower-case DNS name (one label is enough in the cluster) or a dotted IPv4 address without leading zeros; not a URL, no port.',
        ),
        port: port.describe('port of the SMTP relay: an integer 1-65535.'),
        from: z.email().describe("sender address of the summary mail (the same email check as the api's SMTP_FROM)."),
        /** Where the relay lives, for the summary job's egress policy. */
        egressCidr: checked(checkCanonicalCidrV4).describe(
          "where the relay lives, for the summary job's egress NetworkPolicy: an IPv4 CIDR in canonical form (no bits set past the prefix, no leading zeros; the API server warns about both today and refuses them under strict validation).",
        ),
      })
      .strict()
      .describe('the mail relay of the daily summary.'),
    backup: z
      .object({
        schedule: checked(checkCron).describe(`when the database backup runs, in \`jobs.timeZone\`: ${CRON_TEXT}`),
        retentionDays: z.number().int().min(1).max(3650).describe('days a backup file is kept before the job deletes it.'),
        storageGiB: z.number().int().min(1).max(16384).describe('size of the backup volume in GiB.'),
      })
      .strict()
      .describe('the nightly pg_dump.'),
    secrets: secretsSchema
      .optional()
      .describe('how the Secrets arrive; left out, the Pulumi deploy creates them (`provider: pulumi`).'),
  })
  .strict();

/** A validated environment. */
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
/** What an environment file declares, before validation. */
export type EnvironmentInput = z.input<typeof environmentSchema>;
