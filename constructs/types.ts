// Prop types shared by several constructs.
import type { Duration } from 'cdk8s';

/** Requests and limits of one container. Units are in the names. */
export interface ResourceSpec {
  readonly cpuRequestMillis: number;
  readonly cpuLimitMillis: number;
  readonly memoryRequestMiB: number;
  readonly memoryLimitMiB: number;
  readonly ephemeralStorageRequestMiB: number;
  readonly ephemeralStorageLimitMiB: number;
}

/** What a probe runs. */
export type ProbeCheck =
  | { readonly http: { readonly path: string; readonly port: number | string } }
  | { readonly tcp: { readonly port: number | string } }
  | { readonly exec: readonly string[] };

/** A probe: the check plus its timing. Unset timings take the probe kind's defaults. */
export interface ProbeSpec {
  readonly check: ProbeCheck;
  /** @default - readiness 10s, liveness 20s, startup 5s */
  readonly period?: Duration;
  /** @default - readiness 2s, liveness 3s, startup 2s */
  readonly timeout?: Duration;
  /** @default - readiness 3, liveness 3, startup 24 (two minutes to boot) */
  readonly failureThreshold?: number;
  /** @default - 0: the startup probe holds liveness off until the process is up */
  readonly initialDelay?: Duration;
}

/** The three probes of a long-running container. */
export interface ProbeSet {
  readonly readiness: ProbeSpec;
  readonly liveness: ProbeSpec;
  /** @default - the liveness check, allowed two minutes to pass */
  readonly startup?: ProbeSpec;
}

/**
 * Overrides of the hardened security context. Only what may safely vary is here:
 * privilege escalation, capabilities and seccomp are not negotiable.
 */
export interface SecurityOverrides {
  /**
   * Numeric non-root UID the container runs as.
   * @default 10001
   */
  readonly runAsUser?: number;
  /** @default - the same as runAsUser */
  readonly runAsGroup?: number;
  /** @default - the same as runAsGroup */
  readonly fsGroup?: number;
  /**
   * Capabilities to add back after dropping ALL. Only NET_BIND_SERVICE is allowed.
   * @default []
   */
  readonly addCapabilities?: readonly 'NET_BIND_SERVICE'[];
}

/** An environment variable's value: a literal, or a key of a Secret the deploy step provides. */
export type EnvValue =
  | string
  | {
      readonly secretName: string;
      readonly key: string;
      /**
       * Fingerprint of the Secret's delivered content (a SealedSecret's ciphertexts), when the
       * manifests carry it: the pod templates that read the Secret are stamped with it
       * (`tasknote.dev/secret-hash`), so a re-sealed value rolls exactly those pods.
       * @default - none: the Secret's content is not in the manifests
       */
      readonly version?: string;
    };

/** Anything a NetworkPolicy can select: a workload's pods by their selector labels. */
export interface IPodSelectable {
  /** Readable name used in policy names, e.g. `tasknote-api`. */
  readonly name: string;
  /** The labels that select this workload's pods (never `version`). */
  readonly selectorLabels: Readonly<Record<string, string>>;
}

/** The pod and container of a workload; every construct that runs pods takes these. */
export interface PodProps {
  /** Container image, pinned by tag or digest (`:latest` and untagged images are rejected). */
  readonly image: string;
  /** @default - the image's ENTRYPOINT */
  readonly command?: readonly string[];
  /** @default - the image's CMD */
  readonly args?: readonly string[];
  /**
   * Named container ports.
   * @default []
   */
  readonly ports?: readonly { readonly name: string; readonly containerPort: number }[];
  /**
   * Env vars, literal or from a Secret key (see `SecretReference.env`).
   * @default {}
   */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /**
   * ConfigMaps loaded with `envFrom`; their content hash is stamped on the pod template.
   * @default []
   */
  readonly config?: readonly import('./app-config').AppConfig[];
  /** Requests and limits, sized for the workload. */
  readonly resources: ResourceSpec;
  /** @default - no probes (batch pods) */
  readonly probes?: ProbeSet;
  /**
   * Paths the process writes to; each gets an emptyDir, the rest of the root filesystem is read-only.
   * @default ['/tmp']
   */
  readonly writablePaths?: readonly string[];
  /**
   * Further volumes and where to mount them (e.g. a PVC).
   * @default []
   */
  readonly extraVolumes?: readonly {
    readonly volume: import('./private/k8s').Volume;
    readonly mountPath: string;
    /** @default false */
    readonly readOnly?: boolean;
  }[];
  /** @default - UID/GID 10001, no capabilities */
  readonly security?: SecurityOverrides;
  /**
   * How long a pod that serves traffic waits after SIGTERM is due, so endpoints drop it first.
   * @default Duration.seconds(5)
   */
  readonly preStopDelay?: Duration;
  /**
   * The command that implements the preStop delay (images without `sleep` pass their own).
   * @default ['sleep', '<preStopDelay seconds>']
   */
  readonly preStopCommand?: readonly string[];
  /** @default Duration.seconds(30) */
  readonly terminationGracePeriod?: Duration;
  /**
   * Spread pods across zones as well as nodes.
   * @default false
   */
  readonly zoneSpread?: boolean;
  /**
   * Policy waivers for the `check` command: rule ID -> the reason a reviewer accepts.
   * @default {}
   */
  readonly waivers?: Readonly<Record<string, string>>;
}
