// The typed, validated shape of one environment's configuration.
import { z } from 'zod';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** An image reference pinned by tag or digest; `:latest` and untagged refs are rejected. */
const PINNED_IMAGE = /^[a-z0-9][a-z0-9._\-/:]*[a-z0-9](:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

const dnsLabel = (what: string) =>
  z.string().max(63).regex(DNS_LABEL, `${what} must be a DNS-1123 label: lower-case letters, digits and '-', at most 63 characters`);

export const imageRef = z
  .string()
  .regex(PINNED_IMAGE, 'must be an image reference such as registry/name:1.2.3 or registry/name@sha256:<64 hex>')
  .refine((s) => /:[^/]+$/.test(s.split('@')[0]) || s.includes('@sha256:'), 'must be pinned by a tag or a digest (untagged images are rejected)')
  .refine((s) => !/:latest(@|$)/.test(s), "must not use the ':latest' tag: pin a version or a digest");

const quantityCpu = z.string().regex(/^\d+(\.\d+)?m?$/, "must be a CPU quantity such as '250m' or '1'");
const quantityBytes = z.string().regex(/^\d+(Ki|Mi|Gi|Ti)$/, "must be a quantity in Ki, Mi, Gi or Ti, such as '256Mi'");

export const resourcesSchema = z
  .object({
    cpuRequest: quantityCpu,
    cpuLimit: quantityCpu.optional(),
    memoryRequest: quantityBytes,
    memoryLimit: quantityBytes,
    ephemeralStorageRequest: quantityBytes,
    ephemeralStorageLimit: quantityBytes,
  })
  .strict();
export type ResourcesConfig = z.infer<typeof resourcesSchema>;

export const autoscalingSchema = z
  .object({
    minReplicas: z.number().int().min(1),
    maxReplicas: z.number().int().min(1),
    targetCpuUtilizationPercent: z.number().int().min(1).max(100),
  })
  .strict()
  .refine((a) => a.minReplicas <= a.maxReplicas, {
    message: 'minReplicas must be <= maxReplicas',
    path: ['minReplicas'],
  });

const scaledWorkload = z
  .object({
    replicas: z.number().int().min(0).optional(),
    autoscaling: autoscalingSchema.optional(),
    resources: resourcesSchema,
  })
  .strict()
  .refine((w) => !(w.replicas !== undefined && w.autoscaling !== undefined), {
    message: "set either 'replicas' or 'autoscaling', not both",
    path: ['replicas'],
  });

const cron = z.string().refine((s) => s.trim().split(/\s+/).length === 5, 'must be a 5-field cron expression');

export const environmentSchema = z
  .object({
    name: z.enum(ENVIRONMENT_NAMES),
    namespace: dnsLabel('namespace'),
    cluster: z
      .object({
        /** Which flavour of cluster this is; decides ingress and storage defaults in docs. */
        kind: z.enum(['kind', 'minikube', 'k3d', 'eks', 'gke', 'aks']),
        /** kubeconfig context a deploy must use; the wrong-cluster guard checks it. */
        context: z.string().min(1),
        /** Server URL (or a stable substring of it) the context must point at. */
        server: z.string().min(1),
      })
      .strict(),
    /** Registry prefix images are pushed to and pulled from, e.g. `localhost:5001/tasknote`. */
    registry: z.string().regex(/^[a-z0-9.-]+(:\d{1,5})?(\/[a-z0-9._-]+)*$/, 'must be a registry host[:port][/path]'),
    /** Where service images come from: built from the working tree, or the release record. */
    imageSource: z.enum(['build', 'release']),
    /** Tag used for service images when `imageSource` is `build` and no digest is known. */
    devImageTag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/).refine((t) => t !== 'latest', "must not be 'latest'"),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']),
    ingress: z
      .object({
        host: z.string().regex(DNS_SUBDOMAIN, 'must be a DNS hostname such as tasknote.example.com'),
        className: dnsLabel('ingress class'),
        tlsSecretName: dnsLabel('TLS secret name').optional(),
      })
      .strict(),
    storageClass: dnsLabel('storage class'),
    /** Spread replicas across zones as well as nodes. */
    zoneSpread: z.boolean(),
    api: scaledWorkload,
    worker: scaledWorkload,
    postgres: z
      .object({
        image: imageRef,
        storageGiB: z.number().int().min(1).max(16384),
        resources: resourcesSchema,
      })
      .strict(),
    redis: z
      .object({
        image: imageRef,
        maxMemoryMiB: z.number().int().min(16),
        resources: resourcesSchema,
      })
      .strict(),
    jobs: z
      .object({
        resources: resourcesSchema,
        summarySchedule: cron,
        timeZone: z.string().min(1),
      })
      .strict(),
    backup: z
      .object({
        schedule: cron,
        retentionDays: z.number().int().min(1).max(3650),
        storageGiB: z.number().int().min(1).max(16384),
      })
      .strict(),
  })
  .strict();

export type EnvironmentConfig = z.infer<typeof environmentSchema>;
