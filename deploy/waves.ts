// Orders synthesized Kubernetes objects into the waves a deploy applies one after another.

import { DEPLOY_ROLE_ANNOTATION, DEPLOY_ROLES, type DeployRole } from '../core/deploy-role';
import type { KubeObject } from '../core/kube-object';
import { mapSelectorMatches } from '../core/label-selector';

/**
 * The waves, in order. Each waits for everything in the waves before it.
 * The roles that constructs declare (core/deploy-role.ts) place the data stores, which the
 * migrations need running, and the migration Jobs; every other object goes by its kind.
 */
export const WAVES = ['namespace', 'foundation', 'datastores', 'migration', 'workloads', 'policies'] as const;
export type WaveName = (typeof WAVES)[number];

export interface Wave {
  readonly name: WaveName;
  readonly objects: readonly KubeObject[];
}

const BY_KIND: Readonly<Record<string, WaveName>> = {
  Namespace: 'namespace',
  ServiceAccount: 'foundation',
  ConfigMap: 'foundation',
  Secret: 'foundation',
  // Secrets that a controller makes in the cluster (sealed-secrets, External Secrets Operator):
  // applied where the deploy would create them, before anything reads them.
  SealedSecret: 'foundation',
  ExternalSecret: 'foundation',
  PersistentVolumeClaim: 'foundation',
  Role: 'foundation',
  RoleBinding: 'foundation',
  LimitRange: 'foundation',
  ResourceQuota: 'foundation',
  Job: 'workloads',
  Deployment: 'workloads',
  StatefulSet: 'workloads',
  DaemonSet: 'workloads',
  CronJob: 'workloads',
  HorizontalPodAutoscaler: 'policies',
  PodDisruptionBudget: 'policies',
  Ingress: 'policies',
  NetworkPolicy: 'policies',
};

/** Kinds whose wave follows the workloads they select. */
const SELECTING_KINDS = new Set(['Service']);

/** Kinds that may declare the deploy role `datastore`: workloads that run pods. */
const DATASTORE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/** The role an object declares (annotation `deploy.tasknote.dev/role`), checked against its kind. */
export function deployRoleOf(obj: KubeObject): DeployRole | undefined {
  const role = obj.metadata.annotations?.[DEPLOY_ROLE_ANNOTATION];
  if (role === undefined) return undefined;
  const where = `${obj.kind} '${obj.metadata.name}': annotation ${DEPLOY_ROLE_ANNOTATION} (${JSON.stringify(role)})`;
  if (!(DEPLOY_ROLES as readonly string[]).includes(role)) throw new Error(`${where} must be one of: ${DEPLOY_ROLES.join(', ')}`);
  if (role === 'migration' && obj.kind !== 'Job') throw new Error(`${where} is for a Job`);
  if (role === 'datastore' && !DATASTORE_KINDS.has(obj.kind)) throw new Error(`${where} is for a ${[...DATASTORE_KINDS].join(', ')}`);
  return role as DeployRole;
}

/** Is this a workload the migration Jobs need up before they run? */
export function isDatastore(obj: KubeObject): boolean {
  return deployRoleOf(obj) === 'datastore';
}

/** The wave of an object that is not a Service: its declared role first, then its kind. */
function waveOf(obj: KubeObject): WaveName | undefined {
  const role = deployRoleOf(obj);
  if (role === 'datastore') return 'datastores';
  if (role === 'migration') return 'migration';
  return BY_KIND[obj.kind];
}

/**
 * Puts every object in its wave, keeping input order inside a wave.
 * Fails on a kind it has no rule for, so a new kind is placed on purpose rather than by luck.
 */
export function orderIntoWaves(objects: readonly KubeObject[]): Wave[] {
  const placed = new Map<KubeObject, WaveName>();
  const unknown: string[] = [];
  for (const obj of objects) {
    if (SELECTING_KINDS.has(obj.kind)) continue;
    const wave = waveOf(obj);
    if (wave === undefined) unknown.push(`${obj.kind} '${obj.metadata.name}'`);
    else placed.set(obj, wave);
  }
  if (unknown.length > 0) {
    throw new Error(
      `the deploy does not know in which wave to apply ${unknown.join(', ')}; known kinds: ${[...Object.keys(BY_KIND), ...SELECTING_KINDS].sort().join(', ')} (add the kind to deploy/waves.ts)`,
    );
  }
  for (const obj of objects) {
    if (SELECTING_KINDS.has(obj.kind)) placed.set(obj, serviceWave(obj, objects, placed));
  }
  return WAVES.map((name) => ({ name, objects: objects.filter((o) => placed.get(o) === name) })).filter((w) => w.objects.length > 0);
}

/**
 * A Service waits for endpoints when it is applied, so it goes in the wave of the
 * workloads it selects (a Service made earlier would wait for pods that do not exist yet).
 */
function serviceWave(service: KubeObject, objects: readonly KubeObject[], placed: ReadonlyMap<KubeObject, WaveName>): WaveName {
  const selector = (service.spec as { selector?: Record<string, string> } | undefined)?.selector;
  if (selector === undefined || Object.keys(selector).length === 0) return 'foundation';
  let latest = -1;
  for (const obj of objects) {
    const wave = placed.get(obj);
    if (wave !== 'datastores' && wave !== 'workloads') continue;
    if (obj.metadata.namespace !== service.metadata.namespace) continue;
    const labels = podTemplateLabels(obj);
    if (mapSelectorMatches(selector, labels)) latest = Math.max(latest, WAVES.indexOf(wave));
  }
  return latest < 0 ? 'workloads' : WAVES[latest];
}

function podTemplateLabels(obj: KubeObject): Record<string, string> {
  const spec = obj.spec as
    | {
        template?: { metadata?: { labels?: Record<string, string> } };
        jobTemplate?: { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } };
      }
    | undefined;
  return spec?.template?.metadata?.labels ?? spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {};
}

/** The Pulumi resource name of an object: unique per kind within a stack, readable in previews. */
export function resourceName(obj: KubeObject): string {
  return obj.metadata.namespace === undefined ? obj.metadata.name : `${obj.metadata.namespace}/${obj.metadata.name}`;
}
