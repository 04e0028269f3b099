import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { WAVES, resourceName, type Wave, type WaveName } from '../waves';
import { type KubeObject } from '../../core/kube-object';

type ObjectResourceClass = new (name: string, args: any, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/**
 * Typed resource classes of the built-in kinds, so each object gets its kind's own await
 * logic and secret handling. Kinds of API groups not listed here go through
 * `apiextensions.CustomResource`, whose type token is the same `kubernetes:<group/version>:<Kind>`.
 */
const TYPED: Readonly<Record<string, ObjectResourceClass>> = {
  'v1/Namespace': k8s.core.v1.Namespace,
  'v1/ServiceAccount': k8s.core.v1.ServiceAccount,
  'v1/ConfigMap': k8s.core.v1.ConfigMap,
  'v1/Secret': k8s.core.v1.Secret,
  'v1/PersistentVolumeClaim': k8s.core.v1.PersistentVolumeClaim,
  'v1/Service': k8s.core.v1.Service,
  'v1/LimitRange': k8s.core.v1.LimitRange,
  'v1/ResourceQuota': k8s.core.v1.ResourceQuota,
  'apps/v1/Deployment': k8s.apps.v1.Deployment,
  'apps/v1/StatefulSet': k8s.apps.v1.StatefulSet,
  'apps/v1/DaemonSet': k8s.apps.v1.DaemonSet,
  'batch/v1/Job': k8s.batch.v1.Job,
  'batch/v1/CronJob': k8s.batch.v1.CronJob,
  'autoscaling/v2/HorizontalPodAutoscaler': k8s.autoscaling.v2.HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': k8s.policy.v1.PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': k8s.networking.v1.Ingress,
  'networking.k8s.io/v1/NetworkPolicy': k8s.networking.v1.NetworkPolicy,
  'rbac.authorization.k8s.io/v1/Role': k8s.rbac.v1.Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': k8s.rbac.v1.RoleBinding,
};

/** Creates the Pulumi resource of one object. */
export function objectResource(obj: KubeObject, args: unknown, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const name = resourceName(obj);
  const typed = TYPED[`${obj.apiVersion}/${obj.kind}`];
  if (typed !== undefined) return new typed(name, args, opts);
  if (!obj.apiVersion.includes('/')) {
    throw new Error(
      `${obj.kind} '${obj.metadata.name}' is a core (${obj.apiVersion}) kind the deploy has no resource class for; add it to deploy/components/manifest-waves.ts`,
    );
  }
  return new k8s.apiextensions.CustomResource(name, args as k8s.apiextensions.CustomResourceArgs, opts);
}

/** How long a wave's objects may take to become ready, as Pulumi durations (`10m`). */
export interface WaveTimeouts {
  /** The migration Job, from creation to completion. */
  readonly migration: string;
  /** Data stores and workloads, from apply to a finished rollout. */
  readonly rollout: string;
  /** SealedSecrets and ExternalSecrets (foundation), from apply to the controller having made their Secret. */
  readonly secrets: string;
}

/** Properties of `ManifestWaves`. */
export interface ManifestWavesArgs {
  readonly waves: readonly Wave[];
  readonly provider: k8s.Provider;
  readonly timeouts: WaveTimeouts;
  /**
   * The resource inputs of an object, e.g. with image references swapped for build outputs.
   * @default - the object as synthesized
   */
  readonly inputsOf?: (obj: KubeObject) => unknown;
  /**
   * Resources made outside the synthesized objects that belong to a wave (the generated
   * Secrets belong to `foundation`). Each factory gets what the wave must wait for.
   * @default - none
   */
  readonly extra?: Partial<Record<WaveName, (dependsOn: pulumi.Resource[]) => pulumi.Resource[]>>;
}

/**
 * Applies synthesized objects wave by wave through one explicit provider: every resource
 * of a wave depends on every resource of the waves before it, so the migration Job has
 * completed before any workload rolls.
 */
export class ManifestWaves extends pulumi.ComponentResource {
  /** The resources of each wave, in order, extras included. */
  public readonly resources: { readonly wave: WaveName; readonly resources: pulumi.Resource[] }[] = [];

  constructor(name: string, args: ManifestWavesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('tasknote:deploy:ManifestWaves', name, {}, opts);
    const inputsOf = args.inputsOf ?? ((obj: KubeObject) => obj);
    let before: pulumi.Resource[] = [];
    for (const waveName of WAVES) {
      const objects = args.waves.find((w) => w.name === waveName)?.objects ?? [];
      const dependsOn = [...before];
      const made: pulumi.Resource[] = objects.map((obj) =>
        objectResource(obj, inputsOf(obj), {
          parent: this,
          provider: args.provider,
          dependsOn,
          ...waveOptions(waveName, args.timeouts),
        }),
      );
      made.push(...(args.extra?.[waveName]?.(dependsOn) ?? []));
      if (made.length === 0) continue;
      this.resources.push({ wave: waveName, resources: made });
      before = [...before, ...made];
    }
    this.registerOutputs({});
  }
}

function waveOptions(wave: WaveName, timeouts: WaveTimeouts): pulumi.CustomResourceOptions {
  switch (wave) {
    case 'migration':
      // A Job's pod template is immutable and its name fixed: a new image means delete, then create,
      // which runs the migration again.
      return {
        customTimeouts: { create: timeouts.migration, update: timeouts.migration },
        replaceOnChanges: ['spec'],
        deleteBeforeReplace: true,
      };
    case 'datastores':
    case 'workloads':
      return { customTimeouts: { create: timeouts.rollout, update: timeouts.rollout } };
    default:
      return {};
  }
}
