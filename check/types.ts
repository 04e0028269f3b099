// The shapes shared by the loader, the rules and the report.

/** A Kubernetes object as parsed from YAML or produced by synth; fields are untrusted. */
// Manifests are arbitrary user input, so rules read them defensively through `any`.
export type KubeObject = Record<string, any>;

/** One path step into an object: a property name or an array index. */
import type { DnsPeer } from '../core/dns-peer';
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
 * Optional groups of rules, off unless a profile turns them on. Every other rule applies to
 * any Kubernetes YAML.
 * - `pinned-images`: images are pinned by digest (`image-digest`);
 * - `replicas`: stateless workloads run more than one replica;
 * - `zone-spread`: multi-replica workloads spread across zones;
 * - `conventions`: the conventions of the stack the profile belongs to (for TaskNote: the
 *   `tasknote.dev/config-hash` annotation, no Secret values in the output). They never fire on
 *   YAML checked under a profile that does not turn them on.
 */
export type RuleGroup = 'pinned-images' | 'replicas' | 'zone-spread' | 'conventions';
export const RULE_GROUPS: readonly RuleGroup[] = ['pinned-images', 'replicas', 'zone-spread', 'conventions'];

/**
 * Which optional rule groups apply, as data: `check` knows no environment names. The caller
 * (TaskNote's CLI, synth) passes its own profiles; the report names the one that applied.
 */
export interface Profile {
  /** Shown in the report, e.g. `generic` or `prod`. */
  readonly name: string;
  /** Whose conventions `conventions` means, e.g. `TaskNote`; shown in the report. */
  readonly owner?: string;
  readonly groups: readonly RuleGroup[];
  /**
   * The cluster DNS that `dns-egress` requires egress to.
   * @default DEFAULT_DNS_PEER (kube-system, k8s-app: kube-dns)
   */
  readonly dnsPeer?: DnsPeer;
}

/** The profile for anyone's YAML: every rule that holds for any Kubernetes stack, no conventions. */
export const GENERIC_PROFILE: Profile = { name: 'generic', groups: [] };

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
  /** The profile's name, e.g. `generic` or `prod`. */
  readonly profile: string;
  /** Who the profile belongs to, when it turns on someone's conventions. */
  readonly profileOwner?: string;
  /** The optional rule groups the profile turned on. */
  readonly ruleGroups: readonly RuleGroup[];
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
  /** Label of this target in the report; defaults to the profile's name. */
  readonly name?: string;
  /** Which optional rule groups apply; `GENERIC_PROFILE` when omitted. */
  readonly profile?: Profile;
  /** `Kind/name` of objects created outside the manifests, on top of the namespace annotation. */
  readonly provided?: readonly string[];
}
