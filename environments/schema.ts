// The typed, validated shape of one environment's configuration.
import { z } from 'zod';
import { ENVIRONMENT_NAMES } from '../core/environment-names';
import {
  checkCron,
  checkDnsLabel,
  checkHostname,
  checkImageRef,
  checkPort,
  checkScalingRules,
  checkTimeZone,
  SCALING_POLICY_TYPES,
  SELECT_POLICIES,
} from '../core/value-rules';


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

/** Container resources, units in the names (millicores, MiB). Limits must not be below requests. */
export const resourcesSchema = z
  .object({
    cpuRequestMillis: z.number().int().min(1).max(64000),
    cpuLimitMillis: z.number().int().min(1).max(64000),
    memoryRequestMiB: z.number().int().min(1).max(262144),
    memoryLimitMiB: z.number().int().min(1).max(262144),
    ephemeralStorageRequestMiB: z.number().int().min(1).max(1048576),
    ephemeralStorageLimitMiB: z.number().int().min(1).max(1048576),
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
    stabilizationWindowSeconds: z.number().optional(),
    selectPolicy: z.enum(SELECT_POLICIES).optional(),
    policies: z.array(z.object({ type: z.enum(SCALING_POLICY_TYPES), value: z.number(), periodSeconds: z.number() }).strict()).optional(),
  })
  .strict()
  .superRefine((rules, ctx) => {
    for (const { path, problem } of checkScalingRules(rules)) {
      ctx.addIssue({ code: 'custom', path: path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)), message: problem.replace(/^\([^)]*\) /, '') });
    }
  });

export const autoscalingSchema = z
  .object({
    minReplicas: z.number().int().min(1),
    maxReplicas: z.number().int().min(1),
    targetCpuUtilizationPercent: z.number().int().min(1).max(100),
    /** Tunes how fast the HPA scales; each part left out keeps the construct's default (constructs/autoscaling.ts). */
    behavior: z.object({ scaleUp: scalingRulesSchema.optional(), scaleDown: scalingRulesSchema.optional() }).strict().optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.minReplicas > a.maxReplicas) {
      ctx.addIssue({ code: 'custom', path: ['minReplicas'], message: `must be <= maxReplicas (${a.maxReplicas})` });
    }
  });

const workloadShape = {
  replicas: z.number().int().min(0).optional(),
  autoscaling: autoscalingSchema.optional(),
  resources: resourcesSchema,
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

export const environmentSchema = z
  .object({
    name: z.enum(ENVIRONMENT_NAMES),
    namespace: checked(checkDnsLabel),
    cluster: z
      .object({
        /**
         * Which flavour of cluster this is (kind, minikube, k3d, eks, gke, aks; `local` is the
         * control plane of `npm run cluster:up`, named only by the stack config `tasknote:cluster`).
         */
        kind: z.enum(CLUSTER_KINDS),
        /** kubeconfig context a deploy must use; the wrong-cluster guard checks it. */
        context: z.string().min(1),
        /** API server URL the context must point at. */
        server: z.string().url(),
      })
      .strict(),
    /** Registry prefix images are pushed to and pulled from, e.g. `localhost:5001`. */
    registry: z.string().regex(/^[a-z0-9.-]+(:\d{1,5})?(\/[a-z0-9._-]+)*$/, 'must be a registry host[:port][/path] in lower case'),
    /** Where service images come from: built from the working tree, or the release record. */
    imageSource: z.enum(['build', 'release']),
    /** Tag of service images when `imageSource` is `build` and the deploy step has not pinned digests. */
    devImageTag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be a Docker tag: letters, digits, _ . -')
      .refine((t) => t !== 'latest', "must not be 'latest': pin a version"),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']),
    ingress: z
      .object({
        host: checked(checkHostname),
        className: checked(checkDnsLabel),
        /** Namespace of the ingress controller, which network policy lets reach the api. */
        controllerNamespace: checked(checkDnsLabel),
        tlsSecretName: checked(checkDnsLabel).optional(),
      })
      .strict(),
    storageClass: checked(checkDnsLabel),
    /** Spread replicas across zones as well as nodes. */
    zoneSpread: z.boolean(),
    api: z.object(workloadShape).strict().superRefine(oneScalingMode),
    worker: z
      .object({ ...workloadShape, thumbnailSizes: z.array(z.number().int().min(16).max(4096)).min(1) })
      .strict()
      .superRefine(oneScalingMode),
    postgres: z
      .object({
        image: checked(checkImageRef),
        storageGiB: z.number().int().min(1).max(16384),
        resources: resourcesSchema,
      })
      .strict(),
    redis: z
      .object({
        image: checked(checkImageRef),
        maxMemoryMiB: z.number().int().min(16),
        resources: resourcesSchema,
      })
      .strict(),
    jobs: z
      .object({
        resources: resourcesSchema,
        summarySchedule: checked(checkCron),
        timeZone: checked(checkTimeZone),
      })
      .strict(),
    smtp: z
      .object({
        host: z.string().min(1),
        port,
        from: z.email(),
        /** Where the relay lives, for the summary job's egress policy. */
        egressCidr: z.cidrv4(),
      })
      .strict(),
    backup: z
      .object({
        schedule: checked(checkCron),
        retentionDays: z.number().int().min(1).max(3650),
        storageGiB: z.number().int().min(1).max(16384),
      })
      .strict(),
  })
  .strict();

/** A validated environment. */
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
/** What an environment file declares, before validation. */
export type EnvironmentInput = z.input<typeof environmentSchema>;
