import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import type { ReleasedService } from '../../environments/release';
import { pinnedReference, type ImagePlan, type ServiceImageMap } from '../images';

/** Credentials for a managed registry; the password comes from secret stack config. */
export interface RegistryAuth {
  readonly server: string;
  readonly username: pulumi.Input<string>;
  readonly password: pulumi.Input<string>;
}

/** Properties of `ServiceImages`. */
export interface ServiceImagesArgs {
  /** Build every service, or take a release record's digests. */
  readonly plan: ImagePlan;
  /**
   * Credentials for the push.
   * @default - none: the registry accepts anonymous pushes (the local kind registry)
   */
  readonly registryAuth?: RegistryAuth;
  /**
   * Platform to build for, such as `linux/amd64`.
   * @default - the Docker daemon's own platform
   */
  readonly platform?: string;
}

/**
 * The TaskNote service images, as digest-pinned references. Builds and pushes each one
 * with BuildKit when the plan says `build`; builds nothing when it says `release`.
 */
export class ServiceImages extends pulumi.ComponentResource {
  /** `repository@sha256:…` per service, known once the push is done. */
  public readonly refs: ServiceImageMap<pulumi.Output<string>>;
  /** The image resources, empty for a release. */
  public readonly images: Partial<Record<ReleasedService, docker.Image>> = {};

  constructor(name: string, args: ServiceImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('tasknote:deploy:ServiceImages', name, {}, opts);
    const plan = args.plan;
    if (plan.source === 'release') {
      this.refs = { api: pulumi.output(plan.refs.api), worker: pulumi.output(plan.refs.worker) };
    } else {
      const refs: Partial<ServiceImageMap<pulumi.Output<string>>> = {};
      for (const build of plan.builds) {
        const image = new docker.Image(
          build.service,
          {
            imageName: build.imageName,
            build: {
              context: build.context,
              dockerfile: build.dockerfile,
              args: build.args,
              platform: args.platform,
              builderVersion: 'BuilderBuildKit',
            },
            registry: args.registryAuth,
          },
          { parent: this },
        );
        this.images[build.service] = image;
        refs[build.service] = image.repoDigest.apply((digest) => pinnedReference(build.repository, digest));
      }
      this.refs = refs as ServiceImageMap<pulumi.Output<string>>;
    }
    this.registerOutputs({ refs: this.refs });
  }
}
