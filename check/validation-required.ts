// What the API server's validation code (Kubernetes 1.34: pkg/apis/core, apps, batch, autoscaling,
// networking and rbac validation) requires or enumerates where the OpenAPI schema, and so
// kubernetes-models' validators, leave a field optional or free: one table per kind, read by the
// schema pass as `schema-required` and `schema-enum` findings. Validation reads Go structs, so a
// field that is absent, null, "", 0 or [] is one unset field: each of these is "missing" here. An
// empty object ({}) is set: a pointer to an empty struct (a podSelector that selects every pod).
import { podTemplatePathOf } from './model';
import { show } from './show';
import type { FieldPath, KubeObject, PathSegment } from './types';

/** A dotted path below a place; `[]` steps into every entry of a list. */
type Dotted = string;

export interface Requirement {
  /** Where the requirement applies, from the object's root; every match is checked. */
  readonly at: Dotted;
  /** Only where this field of the place equals this value (a Subject of kind ServiceAccount). */
  readonly when?: { readonly field: string; readonly is: string };
  /** Not where this field of the place is set (a rule with nonResourceURLs). */
  readonly unless?: Dotted;
  /** Fields that must be set (dotted below the place). */
  readonly fields?: readonly Dotted[];
  /** Exactly one of these must be set. */
  readonly oneOf?: readonly Dotted[];
  /** At least one of these must be set. */
  readonly anyOf?: readonly Dotted[];
  /** A field whose value (unset reads as "") must be one of these; "" among them when defaulting fills it in. */
  readonly enum?: { readonly field: string; readonly values: readonly string[] };
  /** The validation code the fact comes from, for the finding's fix. */
  readonly why: string;
}

const CONTAINER_KINDS = ['initContainers', 'containers'];
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'];

/** A pod spec's requirements, below `podSpec` (ValidatePodSpec and the container validation it calls). */
function podSpecRequirements(podSpec: Dotted): Requirement[] {
  return [
    { at: '', fields: [`${podSpec}.containers`], why: 'a pod needs at least one container' },
    { at: `${podSpec}.topologySpreadConstraints[]`, fields: ['topologyKey'], why: 'a spread constraint names its topology key' },
    ...CONTAINER_KINDS.flatMap((list): Requirement[] => {
      const c = `${podSpec}.${list}[]`;
      return [
        { at: c, fields: ['image'], why: 'every container names its image' },
        { at: `${c}.env[]`, fields: ['name'], why: 'every env variable is named' },
        { at: `${c}.volumeMounts[]`, fields: ['mountPath'], why: 'every volume mount has a mountPath' },
        { at: `${c}.envFrom[].configMapRef`, fields: ['name'], why: 'an envFrom configMapRef names its ConfigMap' },
        { at: `${c}.envFrom[].secretRef`, fields: ['name'], why: 'an envFrom secretRef names its Secret' },
        {
          at: `${c}.env[].valueFrom`,
          oneOf: ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'],
          why: 'a valueFrom has exactly one source',
        },
        ...[...PROBES.map((p) => `${c}.${p}.exec`), `${c}.lifecycle.postStart.exec`, `${c}.lifecycle.preStop.exec`].map(
          (at): Requirement => ({ at, fields: ['command'], why: 'an exec handler has a command' }),
        ),
      ];
    }),
  ];
}

/** A PersistentVolumeClaim's spec, below `claim` (ValidatePersistentVolumeClaimSpec). */
const claimRequirements = (claim: Dotted): Requirement[] => [
  {
    at: claim,
    fields: ['spec.accessModes', 'spec.resources.requests.storage'],
    why: 'a claim names at least one access mode and requests storage',
  },
];

/** The place a kind's pod template keeps its pod spec, dotted. */
function podSpecOf(kind: string): Dotted | undefined {
  const template = podTemplatePathOf(kind);
  return template === undefined ? undefined : [...template, 'spec'].join('.');
}

const APPS_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'];
const RBAC_GROUP = 'rbac.authorization.k8s.io';
const backend = (at: Dotted): Requirement[] => [
  { at, oneOf: ['service', 'resource'], why: 'a backend is a service or a resource' },
  { at: `${at}.service`, fields: ['name'], why: 'a service backend names its Service' },
  { at: `${at}.service`, oneOf: ['port.name', 'port.number'], why: 'a service backend gives a port name or number' },
];
const binding = (roleKinds: readonly string[], subjectNamespace: boolean): Requirement[] => [
  { at: 'roleRef', fields: ['name'], why: 'roleRef names its role' },
  { at: 'roleRef', enum: { field: 'kind', values: roleKinds }, why: 'roleRef is to a role this binding may bind' },
  // An empty roleRef.apiGroup, and a User or Group subject's, is defaulted to rbac.authorization.k8s.io (SetDefaults_*).
  { at: 'roleRef', enum: { field: 'apiGroup', values: [RBAC_GROUP, ''] }, why: `roleRef is in ${RBAC_GROUP}` },
  { at: 'subjects[]', fields: ['name'], why: 'every subject is named' },
  { at: 'subjects[]', enum: { field: 'kind', values: ['ServiceAccount', 'User', 'Group'] }, why: 'subjects are of a known kind' },
  {
    at: 'subjects[]',
    when: { field: 'kind', is: 'ServiceAccount' },
    enum: { field: 'apiGroup', values: [''] },
    why: 'a ServiceAccount subject is in the core group',
  },
  ...['User', 'Group'].map(
    (kind): Requirement => ({
      at: 'subjects[]',
      when: { field: 'kind', is: kind },
      enum: { field: 'apiGroup', values: [RBAC_GROUP, ''] },
      why: `a ${kind} subject is in ${RBAC_GROUP}`,
    }),
  ),
  ...(subjectNamespace
    ? [
        {
          at: 'subjects[]',
          when: { field: 'kind', is: 'ServiceAccount' },
          fields: ['namespace'],
          why: "a cluster-wide binding names its ServiceAccount subject's namespace",
        },
      ]
    : []),
];
const policyRules: Requirement[] = [
  {
    at: 'rules[]',
    unless: 'nonResourceURLs',
    fields: ['apiGroups', 'resources'],
    why: 'a resource rule names at least one API group and resource',
  },
  { at: 'rules[]', fields: ['verbs'], why: 'a rule names at least one verb' },
];

/** The table: by kind, what validation requires beyond the schema. */
export const REQUIRED_BY_VALIDATION: Readonly<Record<string, readonly Requirement[]>> = {
  ...Object.fromEntries(
    [...APPS_KINDS, 'ReplicationController', 'Job', 'CronJob', 'Pod'].map((kind) => [
      kind,
      [
        ...podSpecRequirements(podSpecOf(kind)!),
        ...(APPS_KINDS.includes(kind) ? [{ at: '', fields: ['spec.selector'], why: `a ${kind} selects its pods` }] : []),
        ...(kind === 'StatefulSet'
          ? [
              ...claimRequirements('spec.volumeClaimTemplates[]'),
              ...['whenDeleted', 'whenScaled'].map(
                (field): Requirement => ({
                  at: 'spec.persistentVolumeClaimRetentionPolicy',
                  enum: { field, values: ['Retain', 'Delete', ''] },
                  why: 'a claim retention policy is Retain or Delete',
                }),
              ),
            ]
          : []),
      ],
    ]),
  ),
  PersistentVolumeClaim: claimRequirements(''),
  Ingress: [
    { at: '', anyOf: ['spec.defaultBackend', 'spec.rules'], why: 'an Ingress has a default backend or rules' },
    ...backend('spec.defaultBackend'),
    ...backend('spec.rules[].http.paths[].backend'),
  ],
  HorizontalPodAutoscaler: [
    { at: 'spec.scaleTargetRef', fields: ['kind', 'name'], why: 'the scale target is named' },
    ...['resource', 'containerResource'].map(
      (source): Requirement => ({
        at: `spec.metrics[].${source}`,
        fields: source === 'resource' ? ['name'] : ['name', 'container'],
        why: 'a resource metric names its resource (and container)',
      }),
    ),
  ],
  NetworkPolicy: ['spec.ingress[].from[]', 'spec.egress[].to[]'].map(
    (at): Requirement => ({
      at,
      anyOf: ['podSelector', 'namespaceSelector', 'ipBlock'],
      why: 'a peer selects pods, namespaces or an IP block',
    }),
  ),
  Role: policyRules,
  ClusterRole: policyRules,
  RoleBinding: binding(['Role', 'ClusterRole'], false),
  ClusterRoleBinding: binding(['ClusterRole'], true),
};

export interface RequiredProblem {
  readonly ruleId: 'schema-required' | 'schema-enum';
  readonly path: FieldPath;
  readonly found: string;
  readonly fix: string;
}

/** Unset as validation sees a Go field: absent, null, "", 0, [] or {}. */
const unset = (v: unknown): boolean =>
  v === undefined || v === null || v === '' || v === 0 || v === false || (Array.isArray(v) && v.length === 0);

const describeUnset = (v: unknown): string => (v === undefined ? 'missing' : v === null ? 'null' : `empty (${show(v)})`);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Compiled extends Omit<Requirement, 'at' | 'unless' | 'fields' | 'oneOf' | 'anyOf'> {
  readonly at: readonly string[];
  readonly unless?: readonly string[];
  readonly fields: readonly (readonly string[])[];
  readonly oneOf: readonly (readonly string[])[];
  readonly anyOf: readonly (readonly string[])[];
}
const split = (d: Dotted): string[] => (d === '' ? [] : d.split('.'));

/** A kind's requirements as a trie of their places, so one walk of the object visits each place once. */
interface Node {
  readonly here: Compiled[];
  readonly next: Map<string, Node>;
}
const node = (): Node => ({ here: [], next: new Map() });
const TRIES = new Map<string, Node>(
  Object.entries(REQUIRED_BY_VALIDATION).map(([kind, reqs]) => {
    const root = node();
    for (const r of reqs) {
      const at = split(r.at).flatMap((s) => (s.endsWith('[]') ? [s.slice(0, -2), '[]'] : [s]));
      let cur = root;
      for (const seg of at) {
        if (!cur.next.has(seg)) cur.next.set(seg, node());
        cur = cur.next.get(seg)!;
      }
      cur.here.push({
        ...r,
        at,
        unless: r.unless === undefined ? undefined : split(r.unless),
        fields: (r.fields ?? []).map(split),
        oneOf: (r.oneOf ?? []).map(split),
        anyOf: (r.anyOf ?? []).map(split),
      });
    }
    return [kind, root];
  }),
);

/** The value at a dotted path below `v` (split), or undefined. */
function get(v: unknown, p: readonly string[]): unknown {
  let cur = v;
  for (let i = 0; i < p.length; i++) {
    if (!isRecord(cur)) return undefined;
    cur = cur[p[i]];
  }
  return cur;
}

/** What `o` lacks or holds out of its enumerations, by the table of its kind. */
export function validationRequiredProblems(o: KubeObject): RequiredProblem[] {
  const root = TRIES.get(String(o.kind));
  if (!root) return [];
  const out: RequiredProblem[] = [];
  walk(o, root, [], out);
  return out;
}

/** Walks `value` along the trie; `path` is one mutable stack, copied only into findings. */
function walk(value: unknown, at: Node, path: PathSegment[], out: RequiredProblem[]): void {
  if (isRecord(value)) for (const r of at.here) apply(r, value, path, out);
  for (const [seg, next] of at.next) {
    if (seg === '[]') {
      if (!Array.isArray(value)) continue;
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        walk(value[i], next, path, out);
        path.pop();
      }
    } else if (isRecord(value) && value[seg] !== undefined) {
      path.push(seg);
      walk(value[seg], next, path, out);
      path.pop();
    }
  }
}

const names = (fs: readonly (readonly string[])[]) => fs.map((f) => f.join('.')).join(', ');

function apply(r: Compiled, place: Record<string, unknown>, at: readonly PathSegment[], out: RequiredProblem[]): void {
  if (r.when && place[r.when.field] !== r.when.is) return;
  if (r.unless && !unset(get(place, r.unless))) return;
  for (const f of r.fields)
    if (unset(get(place, f)))
      out.push({
        ruleId: 'schema-required',
        path: [...at, ...f],
        found: `required field ${f.join('.')} is ${describeUnset(get(place, f))}`,
        fix: `set ${[...at, ...f].join('.')}: ${r.why}`,
      });
  if (r.oneOf.length > 0) {
    let count = 0;
    for (const f of r.oneOf) if (!unset(get(place, f))) count++;
    if (count !== 1)
      out.push({
        ruleId: 'schema-required',
        path: [...at],
        found:
          count === 0
            ? `none of ${names(r.oneOf)} is set`
            : `${names(r.oneOf.filter((f) => !unset(get(place, f))))} are all set`.replace(/, /g, ' and '),
        fix: `set exactly one of ${names(r.oneOf)}: ${r.why}`,
      });
  }
  if (r.anyOf.length > 0) {
    let any = false;
    for (const f of r.anyOf) if (!unset(get(place, f))) any = true;
    if (!any)
      out.push({
        ruleId: 'schema-required',
        path: [...at],
        found: `none of ${names(r.anyOf)} is set`,
        fix: `set at least one of ${names(r.anyOf)}: ${r.why}`,
      });
  }
  if (r.enum) {
    const v = place[r.enum.field] ?? '';
    if (typeof v === 'string' && !r.enum.values.includes(v))
      out.push({
        ruleId: 'schema-enum',
        path: [...at, r.enum.field],
        found: `${r.enum.field} is ${show(place[r.enum.field])}`,
        fix: `use one of: ${r.enum.values.filter((x) => x !== '').join(', ')} (${r.why})`,
      });
  }
}
