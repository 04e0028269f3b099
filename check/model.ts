// An index over one environment's objects: lookups by kind and name, workloads and their pod
// templates, label selectors. Built once per check; every accessor tolerates malformed input.
import { mapSelectorMatches, selectorMatches } from '../core/label-selector';
import { getIn } from '../core/object-path';
import type { FieldPath, KubeObject, ObjectRef, Profile, SourcedObject } from './types';

export const isObject = (v: unknown): v is KubeObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const NONE: readonly KubeObject[] = Object.freeze([]);
/** The object elements of an array (read-only: usually the array itself, when all are objects). */
export const asArray = (v: unknown): readonly KubeObject[] => {
  if (!Array.isArray(v)) return NONE;
  for (const x of v) if (!isObject(x)) return v.filter(isObject);
  return v as KubeObject[];
};
export const asRecord = (v: unknown): Record<string, unknown> => (isObject(v) ? v : {});
export const stringMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (!isObject(v)) return out;
  for (const k of Object.keys(v)) if (typeof v[k] === 'string') out[k] = v[k] as string;
  return out;
};

/** Kinds that live at cluster scope; everything else needs a namespace. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
  'PriorityClass',
  'RuntimeClass',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'APIService',
  'CertificateSigningRequest',
  'FlowSchema',
  'PriorityLevelConfiguration',
  'ComponentStatus',
  'TokenReview',
  'SelfSubjectReview',
  'SelfSubjectAccessReview',
  'SelfSubjectRulesReview',
  'SubjectAccessReview',
]);
export const isClusterScoped = (kind: string): boolean => CLUSTER_SCOPED.has(kind);

export function refOf(o: KubeObject): ObjectRef {
  const meta = asRecord(o.metadata);
  return {
    apiVersion: typeof o.apiVersion === 'string' ? o.apiVersion : '?',
    kind: typeof o.kind === 'string' ? o.kind : '?',
    namespace: typeof meta.namespace === 'string' ? meta.namespace : undefined,
    name: typeof meta.name === 'string' ? meta.name : '?',
  };
}

export const describeRef = (r: ObjectRef): string => [r.kind, r.namespace, r.name].filter((p) => p !== undefined).join('/');

export interface Container {
  readonly container: KubeObject;
  readonly path: FieldPath;
  readonly name: string;
  readonly init: boolean;
}

/** A Pod, or an object that stamps out Pods from a template. */
export interface Workload {
  readonly item: SourcedObject;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly podSpec: KubeObject;
  readonly podSpecPath: FieldPath;
  readonly podLabels: Record<string, string>;
  readonly podAnnotations: Record<string, string>;
  readonly templatePath: FieldPath;
  /** `spec.replicas` as written; undefined when unset (the API defaults it to 1). */
  readonly replicas: number | undefined;
  /** Runs to completion (Job, CronJob) rather than serving. */
  readonly batch: boolean;
  readonly containers: readonly Container[];
}

const TEMPLATE_PATHS: Record<string, FieldPath> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  Pod: [],
};

export { getIn };

/** Where a kind keeps the pod template it stamps out (`[]` for a Pod), or undefined for other kinds. */
export const podTemplatePathOf = (kind: unknown): FieldPath | undefined =>
  typeof kind === 'string' && Object.hasOwn(TEMPLATE_PATHS, kind) ? TEMPLATE_PATHS[kind] : undefined;

export function workloadOf(item: SourcedObject): Workload | undefined {
  const o = item.object;
  const templatePath = podTemplatePathOf(o.kind);
  if (!templatePath) return undefined;
  const template = getIn(o, templatePath);
  const podSpec = getIn(template, ['spec']);
  if (!isObject(template) || !isObject(podSpec)) return undefined;
  const podSpecPath = [...templatePath, 'spec'];
  const containers: Container[] = [];
  for (const [field, init] of [
    ['initContainers', true],
    ['containers', false],
    ['ephemeralContainers', true],
  ] as const) {
    (Array.isArray(podSpec[field]) ? (podSpec[field] as unknown[]) : []).forEach((c, i) => {
      if (isObject(c)) containers.push({ container: c, path: [...podSpecPath, field, i], name: String(c.name ?? i), init });
    });
  }
  const meta = asRecord(template.metadata);
  const ref = refOf(o);
  return {
    item,
    kind: ref.kind,
    name: ref.name,
    namespace: ref.namespace,
    podSpec,
    podSpecPath,
    podLabels: stringMap(meta.labels),
    podAnnotations: stringMap(meta.annotations),
    templatePath,
    replicas: typeof o.spec?.replicas === 'number' ? o.spec.replicas : undefined,
    batch: o.kind === 'Job' || o.kind === 'CronJob',
    containers,
  };
}

export { mapSelectorMatches, selectorMatches };

export const PROVIDED_ANNOTATION = 'check.tasknote.dev/provided';

/**
 * Everything rules need to know about the set of objects under check. Iteration (`workloads`,
 * `ofKind`) covers only objects that passed the schema checks, so rules can trust field types;
 * lookups (`find`, `exists`, `selectedBy`) cover every object, so a schema error does not also
 * show up as a dangling reference.
 */
export class CheckContext {
  readonly workloads: Workload[] = [];
  private readonly allWorkloads: Workload[] = [];
  private readonly byKey = new Map<string, SourcedObject>();
  private readonly byKind = new Map<string, SourcedObject[]>();
  private readonly validItems = new Set<SourcedObject>();
  /** `Kind/name`, `Kind/namespace/name` and `Kind/name@namespace` of objects created outside the output. */
  private readonly provided = new Set<string>();

  constructor(
    readonly items: readonly SourcedObject[],
    readonly profile: Profile,
    provided: readonly string[],
    valid: (item: SourcedObject) => boolean = () => true,
  ) {
    for (const item of items) {
      const ref = refOf(item.object);
      this.byKey.set(key(ref.kind, ref.namespace, ref.name), item);
      const w = workloadOf(item);
      if (w) this.allWorkloads.push(w);
      if (ref.kind === 'Namespace') {
        const declared = stringMap(item.object.metadata?.annotations)[PROVIDED_ANNOTATION] ?? '';
        for (const entry of declared
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean))
          this.provided.add(`${entry}@${ref.name}`);
      }
      const made = secretMadeBy(item.object);
      if (made !== undefined) this.provided.add(`Secret/${ref.namespace ?? ''}/${made}`);
      const list = this.byKind.get(ref.kind) ?? [];
      list.push(item);
      this.byKind.set(ref.kind, list);
      if (!valid(item)) continue;
      this.validItems.add(item);
      if (w) this.workloads.push(w);
    }
    for (const entry of provided) this.provided.add(entry);
  }

  private readonly validByKind = new Map<string, SourcedObject[]>();

  /** Objects of a kind that passed the schema checks (the set is fixed once constructed). */
  ofKind(kind: string): SourcedObject[] {
    let list = this.validByKind.get(kind);
    if (!list) {
      list = this.allOfKind(kind).filter((item) => this.validItems.has(item));
      this.validByKind.set(kind, list);
    }
    return list;
  }

  isValid(item: SourcedObject): boolean {
    return this.validItems.has(item);
  }

  allOfKind(kind: string): SourcedObject[] {
    return this.byKind.get(kind) ?? [];
  }

  find(kind: string, namespace: string | undefined, name: string): SourcedObject | undefined {
    return this.byKey.get(key(kind, isClusterScoped(kind) ? undefined : namespace, name));
  }

  /** True when the object is in the output or declared as provided (globally or for its namespace). */
  exists(kind: string, namespace: string | undefined, name: string): boolean {
    return (
      this.find(kind, namespace, name) !== undefined ||
      this.provided.has(`${kind}/${name}`) ||
      this.provided.has(`${kind}/${namespace ?? ''}/${name}`) ||
      this.provided.has(`${kind}/${name}@${namespace ?? ''}`)
    );
  }

  /** Namespaces that hold anything: declared Namespaces plus those namespaced objects name. */
  namespaces(): string[] {
    const names = new Set<string>();
    for (const item of this.items) {
      const ref = refOf(item.object);
      if (ref.kind === 'Namespace') names.add(ref.name);
      else if (ref.namespace && !isClusterScoped(ref.kind)) names.add(ref.namespace);
    }
    return [...names].sort();
  }

  /** Workloads whose pod labels a Service-style selector selects, in the given namespace. */
  selectedByMap(namespace: string | undefined, selector: Record<string, string>): Workload[] {
    return this.allWorkloads.filter((w) => w.namespace === namespace && mapSelectorMatches(selector, w.podLabels));
  }

  selectedBy(namespace: string | undefined, selector: unknown): Workload[] {
    return this.allWorkloads.filter((w) => w.namespace === namespace && selectorMatches(selector, w.podLabels));
  }

  /** Services in the workload's namespace that select its pods. */
  servicesOf(w: Workload): SourcedObject[] {
    return this.allOfKind('Service').filter((s) => {
      const ns = refOf(s.object).namespace;
      return ns === w.namespace && mapSelectorMatches(stringMap(s.object.spec?.selector), w.podLabels);
    });
  }

  /** HorizontalPodAutoscalers whose scaleTargetRef names this workload. */
  autoscalersOf(w: Workload): SourcedObject[] {
    return this.allOfKind('HorizontalPodAutoscaler').filter((h) => {
      const t = asRecord(h.object.spec?.scaleTargetRef);
      return refOf(h.object).namespace === w.namespace && t.kind === w.kind && t.name === w.name;
    });
  }
}

const key = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ?? ''}/${name}`;

/**
 * The Secret a controller makes from this object, in its namespace: a SealedSecret's (the
 * sealed-secrets controller names it after the SealedSecret) or an ExternalSecret's target
 * (External Secrets Operator; the ExternalSecret's own name when the target has none).
 */
export function secretMadeBy(o: {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown };
  spec?: unknown;
}): string | undefined {
  const group = typeof o.apiVersion === 'string' ? o.apiVersion.split('/')[0] : '';
  if (typeof o.metadata?.name !== 'string') return undefined;
  if (group === 'bitnami.com' && o.kind === 'SealedSecret') return o.metadata.name;
  if (group === 'external-secrets.io' && o.kind === 'ExternalSecret') {
    const target = asRecord(asRecord(o.spec).target);
    if (target.creationPolicy === 'None' || target.creationPolicy === 'Merge') return undefined;
    return typeof target.name === 'string' && target.name !== '' ? target.name : o.metadata.name;
  }
  return undefined;
}
