import * as dockerBuild from '@pulumi/docker-build';
import * as pulumi from '@pulumi/pulumi';
import { perService, type PerService, type ServiceName } from '../../services/contracts';
import { pinnedReference, type ImagePlan, } from '../images';

/** The buildx builder of the Docker engine itself (the `docker` driver): it sees the engine's local images. */
export const BUILDER = 'default';

/** Credentials for a managed registry; the password comes from secret stack config. */
export interface RegistryAuth {
  readonly server: string;
  readonly username: pulumi.Input<string>;
  readonly password: pulumi.Input<string>;
}

/** What a build on this machine needs besides the plan: how the build reaches the npm registry. */
export interface BuildHost {
  /**
   * PEM bundle handed to `npm ci` inside the build as the BuildKit secret `npm_ca`.
   * @default - none: Node's own CA store
   */
  readonly npmCa?: string;
  /**
   * `host:ip` entries for names this machine resolves through /etc/hosts only (builds run on the
   * host network, but a build container has its own hosts file).
   * @default - none
   */
  readonly addHosts?: readonly string[];
}

/** Properties of `ServiceImageBuilds`. */
export interface ServiceImagesArgs {
  /** Build every service, or take a release record's digests. */
  readonly plan: ImagePlan;
  /**
   * Credentials for the push.
   * @default - none: the registry accepts anonymous pushes (a registry on this machine or next to kind)
   */
  readonly registryAuth?: RegistryAuth;
  /**
   * Platform to build for, such as `linux/amd64`.
   * @default - the Docker daemon's own platform
   */
  readonly platform?: string;
  /**
   * How builds reach the npm registry from this machine.
   * @default - no CA bundle and no extra hosts
   */
  readonly buildHost?: BuildHost;
}

/**
 * The TaskNote service images, as digest-pinned references. Builds and pushes each one with
 * BuildKit through the Docker build provider (`@pulumi/docker-build`) when the plan says `build`;
 * builds nothing when it says `release`. An unchanged build context is no change: the provider
 * compares the context's hash, so a no-op deploy neither builds nor pushes.
 */
export class ServiceImageBuilds extends pulumi.ComponentResource {
  /** `repository@sha256:…` per service, known once the push is done. */
  public readonly refs: PerService<pulumi.Output<string>>;
  /** The image resources, empty for a release. */
  public readonly images: Partial<Record<ServiceName, dockerBuild.Image>> = {};

  constructor(name: string, args: ServiceImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    // The type token stays as first deployed: it is part of every child's URN in existing stacks.
    super('tasknote:deploy:ServiceImages', name, {}, opts);
    const plan = args.plan;
    if (plan.source === 'release') {
      this.refs = perService((s) => pulumi.output(plan.refs[s]));
    } else {
      const refs: Partial<PerService<pulumi.Output<string>>> = {};
      const npmCa = args.buildHost?.npmCa;
      for (const build of plan.builds) {
        const image = new dockerBuild.Image(
          build.service,
          {
            tags: [build.imageName],
            context: { location: build.context },
            dockerfile: { location: build.dockerfile },
            buildArgs: { ...build.args },
            platforms: args.platform === undefined ? undefined : [args.platform as dockerBuild.Platform],
            network: dockerBuild.NetworkMode.Host,
            addHosts: args.buildHost?.addHosts === undefined ? undefined : [...args.buildHost.addHosts],
            secrets: npmCa === undefined ? undefined : { npm_ca: pulumi.secret(npmCa) },
            push: true,
            // A preview shows what would change; it never builds.
            buildOnPreview: false,
            // The Docker engine's own BuildKit, through the docker-buildx CLI plugin: the
            // provider's built-in client drives only builders that run a BuildKit image of
            // their own (docker-container and others), and pulls that image first.
            exec: true,
            builder: { name: BUILDER },
            registries:
              args.registryAuth === undefined
                ? undefined
                : [{ address: args.registryAuth.server, username: args.registryAuth.username, password: args.registryAuth.password }],
          },
          { parent: this },
        );
        this.images[build.service] = image;
        refs[build.service] = image.digest.apply((digest) => pinnedReference(build.repository, `${build.repository}@${digest}`));
      }
      this.refs = refs as PerService<pulumi.Output<string>>;
    }
    this.registerOutputs({ refs: this.refs });
  }
}
