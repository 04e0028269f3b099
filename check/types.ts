// The shapes shared by the loader, the rules and the report.

/** A Kubernetes object as parsed from YAML or produced by synth; fields are untrusted. */
// Manifests are arbitrary user input, so rules read them defensively through `any`.
export type KubeObject = Record<string, any>;

/** One path step into an object: a property name or an array index. */
import type { FieldPath } from '../core/object-path';
export type { FieldPath };
export type PathSegment = FieldPath[number];

/** An object to check, with where it came from. */
export interface SourcedObject {
  /** File path, or a synthetic name such as `dist/prod/api.yaml` for in-memory objects. */
  readonly source: string;
  readonly object: KubeObject;
  /** Returns the 1-based line of a field, when the object was read from YAML text. */
  readonly locate?: (path: FieldPath) => number | undefined;
}

export type Severity = 'error' | 'warning';

/**
 * Which environment-specific rules apply. `default` applies every rule that does not depend
 * on the environment; `staging` adds digests and replicas; `prod` also adds zone spread.
 */
export type Profile = 'default' | 'dev' | 'staging' | 'prod';
export const PROFILES: readonly Profile[] = ['default', 'dev', 'staging', 'prod'];

/** What a rule reports; the engine adds the object, source, line and waiver. */
export interface Violation {
  readonly path: FieldPath;
  /** What was found, e.g. `runAsNonRoot is not set`. */
  readonly found: string;
  /** How to fix it, e.g. `set securityContext.runAsNonRoot: true`. */
  readonly fix: string;
}

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly object: ObjectRef;
  readonly source: string;
  readonly line?: number;
  /** Dotted field path, e.g. `spec.template.spec.containers[0].image`. */
  readonly path: string;
  readonly found: string;
  readonly fix: string;
}

export interface Waiver {
  readonly ruleId: string;
  readonly reason: string;
  readonly object: ObjectRef;
  readonly source: string;
  /** How many findings this waiver silenced; 0 means it is stale. */
  readonly used: number;
}

/** The result of checking one set of objects (one environment or one set of paths). */
export interface TargetReport {
  /** `dev`, `staging`, `prod`, or the paths checked. */
  readonly name: string;
  readonly profile: Profile;
  readonly objects: number;
  readonly rulesRun: number;
  /** Unwaived findings, in object order. */
  readonly findings: readonly Finding[];
  readonly waivers: readonly Waiver[];
}

export interface CheckReport {
  readonly targets: readonly TargetReport[];
  readonly summary: {
    readonly objects: number;
    readonly rulesRun: number;
    readonly errors: number;
    readonly warnings: number;
    readonly waived: number;
  };
  /** False when any unwaived error-severity finding exists. */
  readonly ok: boolean;
}

export interface CheckOptions {
  /** Label of this target in the report; defaults to the profile. */
  readonly name?: string;
  readonly profile?: Profile;
  /** `Kind/name` of objects created outside the manifests, on top of the namespace annotation. */
  readonly provided?: readonly string[];
}
