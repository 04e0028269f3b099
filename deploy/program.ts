// The deploy program: guard, images, secrets, then the synthesized stack applied in waves.
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { EnvironmentConfig } from '../environments/schema';
import type { EnvironmentName } from '../core/environment-names';
import { assertClusterTarget } from './cluster-guard';
import { ManifestWaves, type WaveTimeouts } from './components/manifest-waves';
import { ServiceImageBuilds, type BuildHost, type RegistryAuth } from './components/service-images';
import { StackSecrets } from './components/stack-secrets';
import type { PerService } from '../services/contracts';
import { placeholderImages, type ImagePlan } from './images';
import { getIn, type FieldPath } from '../core/object-path';
import { lateFields, synthesisKey, replaceAt } from './late-fields';
import { serializeKubeconfig, type Kubeconfig } from './kubeconfig';
import { planSecrets, missingConfiguredSecrets, type RequiredSecret } from './secret-values';
import { orderIntoWaves, type WaveName } from './waves';
import { type KubeObject } from '../core/kube-object';
import { UserError } from '../core/user-error';
import { DEFAULT_TIMEOUTS, durationSeconds } from './durations';

/** What the synth composition returns for one environment (app/synth.ts). */
export interface SynthesizedEnvironment {
  readonly files: readonly { readonly path: string; readonly objects: readonly KubeObject[] }[];
  readonly requiredSecrets: readonly RequiredSecret[];
}

/** The composition function `npm run synth` uses, with the images to put in the manifests. */
export type SynthesizeWithImages = (envName: EnvironmentName, options: { images: PerService<string> }) => SynthesizedEnvironment;

/** The parts of an environment's config the deploy reads. */
export type DeployEnvironment = Pick<EnvironmentConfig, 'name' | 'namespace' | 'cluster' | 'registry' | 'imageSource'> & {
  readonly ingress: Pick<EnvironmentConfig['ingress'], 'host' | 'tlsSecretName'>;
};

/** Everything the program needs, resolved from stack config and the machine by deploy/stack-inputs.ts. */
export interface DeployProgramInputs {
  readonly env: DeployEnvironment;
  readonly kubeconfig: Kubeconfig;
  readonly images: ImagePlan;
  readonly synthesize: SynthesizeWithImages;
  readonly timeouts: WaveTimeouts;
  /** Config keys of Secret values that must come from config (never generated). */
  readonly configuredSecrets: readonly string[];
  /** Secret stack config by key (`tasknote:<key>`), undefined when unset. */
  readonly secretConfig: (key: string) => pulumi.Output<string> | undefined;
  readonly registryAuth?: RegistryAuth;
  readonly platform?: string;
  readonly buildHost?: BuildHost;
}

export interface DeployOutputs {
  readonly environment: string;
  readonly namespace: string;
  readonly cluster: { readonly context: string; readonly server: string };
  readonly imageSource: 'build' | 'release';
  /** Digest-pinned image references; the promote step reads them. */
  readonly images: pulumi.Output<PerService<string>>;
  /** Names of the Secrets the deploy created (never their values). */
  readonly secrets: readonly string[];
  /** `Kind/name` of every synthesized object, by wave, in apply order. */
  readonly waves: Partial<Record<WaveName, string[]>>;
  readonly url: string;
}

const SECRET_LABELS = {
  'app.kubernetes.io/part-of': 'tasknote',
  'app.kubernetes.io/managed-by': 'pulumi',
};

/**
 * Objects from which a controller makes a Secret, and the status condition that says it did:
 * the sealed-secrets controller sets `Synced` once it has unsealed a SealedSecret into its
 * Secret, External Secrets Operator `Ready` once it has written the target Secret. The deploy
 * waits for it (`pulumi.com/waitFor`), so nothing that reads the Secret starts before it exists,
 * and a SealedSecret the controller cannot decrypt fails the foundation wave with its message.
 */
const CONTROLLER_MADE_SECRET_CONDITIONS: Readonly<Record<string, string>> = {
  SealedSecret: 'condition=Synced',
  ExternalSecret: 'condition=Ready',
};

/**
 * The object as the deploy applies it to a cluster of this kind, with the waits that mean
 * something there (`pulumi.com/skipAwait` turns Pulumi's own wait off):
 * - A Service is never awaited. Pulumi would wait for its endpoints, but the deploy already
 *   waits for the pods behind it to be ready (their Deployment or StatefulSet rollout), and the
 *   endpoint wait measured ~10 s per Service on the critical path (bench/deploy.ts).
 * - The local control plane (`npm run cluster:up`) has no ingress controller, so nothing ever
 *   writes an Ingress's load balancer status: there, and only there, an Ingress is not awaited.
 * Every other object is applied, and awaited, exactly as synthesized.
 */
export function withDeployAwaits(
  obj: KubeObject,
  clusterKind: DeployEnvironment['cluster']['kind'],
  secretsTimeout: string = DEFAULT_TIMEOUTS.secrets,
): KubeObject {
  const condition = CONTROLLER_MADE_SECRET_CONDITIONS[obj.kind];
  if (condition !== undefined) {
    // A controller that cannot make the Secret (a key it does not hold, a store it cannot reach)
    // never will: fail the deploy after `tasknote:secretsTimeout`, then say why (deploy/controller-secrets.ts).
    const annotations = {
      ...obj.metadata.annotations,
      'pulumi.com/waitFor': condition,
      'pulumi.com/timeoutSeconds': String(durationSeconds(secretsTimeout)),
    };
    return { ...obj, metadata: { ...obj.metadata, annotations } };
  }
  const skip = obj.kind === 'Service' || (clusterKind === 'local' && obj.kind === 'Ingress');
  if (!skip) return obj;
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata.annotations, 'pulumi.com/skipAwait': 'true' } } };
}

/** Registers every resource of one environment. Throws before registering anything when the guard refuses. */
export function deployEnvironment(inputs: DeployProgramInputs): DeployOutputs {
  const { env } = inputs;
  const target = assertClusterTarget(env, inputs.kubeconfig);

  // Built images have no digest until pushed: synthesize with two placeholder sets to learn
  // which fields depend on the images, and fill those from a synthesis with the real digests.
  const objectsOf = (s: SynthesizedEnvironment) => s.files.flatMap((f) => f.objects);
  const synthesized = inputs.synthesize(env.name, {
    images: inputs.images.source === 'release' ? inputs.images.refs : placeholderImages(env.registry, 0),
  });
  const objects = objectsOf(synthesized);
  const late =
    inputs.images.source === 'release'
      ? new Map<string, FieldPath[]>()
      : lateFields(objects, objectsOf(inputs.synthesize(env.name, { images: placeholderImages(env.registry, 1) })));
  const waves = orderIntoWaves(objects);

  // With no Secret of its own to create (they arrive as SealedSecrets or ExternalSecrets), the
  // deploy has no use for `tasknote:configuredSecrets`: the stack file may keep listing them.
  const configuredSecrets = synthesized.requiredSecrets.length === 0 ? [] : inputs.configuredSecrets;
  const secretSpecs = planSecrets(synthesized.requiredSecrets, configuredSecrets);
  const clash = objects.filter((o) => o.kind === 'Secret' && secretSpecs.some((s) => s.name === o.metadata.name));
  if (clash.length > 0) {
    throw new UserError(
      `the stack writes Secret ${clash.map((o) => `'${o.metadata.name}'`).join(', ')} that it also lists in requiredSecrets; a Secret is either synthesized or created by the deploy, not both`,
    );
  }
  const missing = missingConfiguredSecrets(secretSpecs, (key) => inputs.secretConfig(key) !== undefined, env.name);
  if (missing !== undefined) throw new UserError(missing);

  const provider = new k8s.Provider(env.name, {
    kubeconfig: pulumi.secret(serializeKubeconfig(inputs.kubeconfig)),
    context: target.context.name,
    enableServerSideApply: true,
    // A ConfigMap is updated in place, not replaced: its name is fixed, and the config hash on
    // the pod templates that read it is what rolls them (constructs/app-config.ts).
    enableConfigMapMutable: true,
    deleteUnreachable: false,
  });

  const images = new ServiceImageBuilds('images', {
    plan: inputs.images,
    registryAuth: inputs.registryAuth,
    platform: inputs.platform,
    buildHost: inputs.buildHost,
  });
  const realObjects =
    late.size === 0
      ? undefined
      : pulumi
          .all(images.refs)
          .apply(
            (refs) =>
              new Map(objectsOf(inputs.synthesize(env.name, { images: refs as PerService<string> })).map((o) => [synthesisKey(o), o])),
          );
  new ManifestWaves('manifests', {
    waves,
    provider,
    timeouts: inputs.timeouts,
    inputsOf: (synthesizedObj) => {
      const obj = withDeployAwaits(synthesizedObj, env.cluster.kind, inputs.timeouts.secrets);
      const paths = late.get(synthesisKey(obj));
      if (paths === undefined || realObjects === undefined) return obj;
      const real = realObjects.apply((byKey) => byKey.get(synthesisKey(obj)));
      return replaceAt(obj, paths, (path) => real.apply((o) => getIn(o, path)));
    },
    extra: {
      foundation: (dependsOn) => [
        new StackSecrets(
          'secrets',
          { namespace: env.namespace, specs: secretSpecs, configured: inputs.secretConfig, labels: SECRET_LABELS, provider },
          { dependsOn },
        ),
      ],
    },
  });

  return {
    environment: env.name,
    namespace: env.namespace,
    cluster: { context: target.context.name, server: target.server },
    imageSource: inputs.images.source,
    images: pulumi.output(images.refs),
    secrets: secretSpecs.map((s) => s.name),
    waves: Object.fromEntries(waves.map((w) => [w.name, w.objects.map((o) => `${o.kind}/${o.metadata.name}`)])),
    url: `${env.ingress.tlsSecretName === undefined ? 'http' : 'https'}://${env.ingress.host}/`,
  };
}
