// Whether the targeted release's API server (core/kubernetes-version.ts) would accept each object: apiVersion/kind, types, required fields,
// enums and formats (kubernetes-models' validators), unknown fields (client-node's field
// metadata), object names and labels.
import { FIELDS_ADDED_AFTER, KUBERNETES_VERSION, lookupApi } from './api-versions';
import { crdFieldProblems } from './crd-fields';
import { crdPackageOf, modelAttributes, schemaValidator, topLevelModel, type AjvError } from './k8s-modules';
import {
  DNS_1123_LABEL,
  DNS_1123_SUBDOMAIN,
  labelValueProblem,
  pathSegmentNameProblem,
  podSecurityLabelProblem,
  qualifiedNameProblem,
} from '../core/value-rules';
import { isObject, podTemplatePathOf } from './model';
import { show } from './show';
import { validationRequiredProblems } from './validation-required';
import type { FieldPath, KubeObject, PathSegment, Severity, Violation } from './types';

export interface SchemaViolation extends Violation {
  readonly ruleId: string;
}

export const SCHEMA_RULES: readonly { id: string; severity: Severity; description: string; source: string }[] = [
  { id: 'yaml-syntax', severity: 'error', description: 'every document parses as YAML and is a mapping', source: 'kubectl' },
  {
    id: 'api-version',
    severity: 'error',
    description: `apiVersion and kind are served by Kubernetes ${KUBERNETES_VERSION}`,
    source: 'API server',
  },
  {
    id: 'schema-required',
    severity: 'error',
    description: "required fields are present: the schema's, and those validation code requires where the schema is silent",
    source: 'API server (OpenAPI, validation code)',
  },
  { id: 'schema-type', severity: 'error', description: 'every field has the type the API defines', source: 'API server (OpenAPI)' },
  {
    id: 'schema-enum',
    severity: 'error',
    description:
      "enumerated fields hold an allowed value: the schema's, and validation code's (RBAC roleRef and subjects, claim retention)",
    source: 'API server (OpenAPI, validation code)',
  },
  {
    id: 'schema-format',
    severity: 'error',
    description: 'formatted fields (quantities, int32, …) are well formed',
    source: 'API server (OpenAPI)',
  },
  {
    id: 'unknown-field',
    severity: 'error',
    description: `no field unknown to Kubernetes ${KUBERNETES_VERSION} (misspellings)`,
    source: 'API server (strict field validation)',
  },
  { id: 'metadata-name', severity: 'error', description: 'metadata.name (and namespace) are valid DNS-1123 names', source: 'API server' },
  {
    id: 'label-syntax',
    severity: 'error',
    description: "label keys and values are valid, and a Namespace's Pod Security labels hold a level or version",
    source: 'API server',
  },
  { id: 'duplicate-object', severity: 'error', description: 'no two objects share kind, namespace and name', source: 'kubectl apply' },
];

/**
 * The schema-pass rules whose findings the API server also refuses (decoding, the OpenAPI schema,
 * strict field validation, served API versions, names and labels); `duplicate-object` is
 * kubectl's, not the server's. Benchmarks and the cluster lane compare check with peers and with
 * the server by this list.
 */
export const SERVER_SCHEMA_RULE_IDS: readonly string[] = [
  'yaml-syntax',
  ...SCHEMA_RULES.map((r) => r.id).filter((id) => id !== 'duplicate-object'),
];

/** Custom resources declared by CRDs in the set, or CRD names passed as provided. */
export interface CustomResources {
  /** `group/Kind` pairs from CRDs in the set. */
  readonly kinds: ReadonlySet<string>;
  /** Groups whose CRDs are provided outside the set (any kind accepted). */
  readonly groups: ReadonlySet<string>;
}

export function customResourcesOf(objects: readonly KubeObject[], provided: readonly string[]): CustomResources {
  const kinds = new Set<string>();
  for (const o of objects) {
    if (o.kind === 'CustomResourceDefinition' && isObject(o.spec)) kinds.add(`${o.spec.group}/${o.spec.names?.kind}`);
  }
  const groups = new Set(
    provided
      .filter((p) => p.startsWith('CustomResourceDefinition/'))
      .map((p) => p.slice('CustomResourceDefinition/'.length).split('.').slice(1).join('.')),
  );
  return { kinds, groups };
}

/** Kinds whose names must be DNS-1123 labels rather than subdomains. */
const LABEL_NAMED = new Set(['Namespace', 'Service']);
/**
 * Kinds whose names the API server checks only as path segments (not `.` or `..`, no `/` or `%`):
 * PodDisruptionBudget (policy validation passes no name rule) and RBAC's (ValidateRBACName).
 */
const PATH_SEGMENT_NAMED = new Set(['PodDisruptionBudget', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

export { show };

export function checkSchema(o: KubeObject, custom: CustomResources): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  const { apiVersion, kind } = o;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    for (const field of ['apiVersion', 'kind'] as const) {
      if (typeof o[field] !== 'string') {
        out.push({
          ruleId: 'schema-required',
          path: [field],
          found: `${field} is ${o[field] === undefined ? 'missing' : show(o[field])}`,
          fix: `set ${field}, e.g. apiVersion: apps/v1 and kind: Deployment`,
        });
      }
    }
    return out;
  }
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const isCustom = custom.kinds.has(`${group}/${kind}`) || custom.groups.has(group);
  if (crdPackageOf(apiVersion, kind) !== undefined) {
    // A custom resource whose CRD schema a package carries (check/k8s-modules.ts CRD_PACKAGES):
    // validated against it even when its CRD is in the set or declared as provided.
    const validate = schemaValidator(apiVersion, kind);
    if (validate && !validate(o)) out.push(...fromAjv(o, validate.errors ?? []));
    for (const p of crdFieldProblems({ apiVersion, kind, ...o })) {
      const guess = closest(p.field, [...p.known]);
      out.push({
        ruleId: 'unknown-field',
        path: p.path,
        found: `unknown field ${show(p.field)} in ${p.owner}`,
        fix: guess ? `did you mean ${show(guess)}?` : `remove it; ${p.owner} has: ${p.known.join(', ')}`,
      });
    }
  } else if (!isCustom) {
    const api = lookupApi(apiVersion, kind);
    if (!api.served) return [{ ruleId: 'api-version', path: ['apiVersion'], found: api.found, fix: api.fix }];
    const validate = schemaValidator(apiVersion, kind);
    const model = topLevelModel(apiVersion, kind);
    if (validate && !validate(o)) out.push(...nullAwareErrors(o, validate, model));
    if (model) unknownFields(o, model, [], out);
    out.push(...validationRequiredProblems(o));
  }
  out.push(...checkMetadata(o));
  // The schema and the validation table may both find one missing field.
  if (out.length < 2) return out;
  const seen = new Set<string>();
  return out.filter((v) => {
    const key = `${v.ruleId}\u0000${JSON.stringify(v.path)}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/**
 * The schema's findings on `o` after `validate` failed, read as the server reads null: the
 * decoder gives a null field its zero value, so a struct field that is null is unset (and may be a
 * missing required field), and a null map value or list entry (a label, a ConfigMap value, a
 * verb) is the empty string the server takes. Objects without a null are validated once; only a
 * failure on a null costs a second, null-stripped validation.
 */
function nullAwareErrors(o: KubeObject, validate: NonNullable<ReturnType<typeof schemaValidator>>, model?: string): SchemaViolation[] {
  const errors = validate.errors ?? [];
  const atNull = (x: KubeObject, e: AjvError) => e.keyword === 'type' && getPath(x, toPath(x, e.instancePath)) === null;
  if (!errors.some((e) => atNull(o, e))) return fromAjv(o, errors, model);
  const stripped = model ? (withoutNullFields(o, model) as KubeObject) : o;
  const again = validate(stripped) ? [] : [...(validate.errors ?? [])];
  return fromAjv(
    stripped,
    again.filter((e) => !atNull(stripped, e)),
    model,
  );
}

/** A copy of `value` without the struct fields (of client-node model `type`) that are null. */
function withoutNullFields(value: unknown, type: string): unknown {
  if (value === null || typeof value !== 'object') return value;
  const shape = shapeOf(type);
  if (shape.of === 'array') return Array.isArray(value) ? value.map((x) => withoutNullFields(x, shape.inner)) : value;
  if (shape.of === 'map')
    return isObject(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutNullFields(v, shape.inner)])) : value;
  const fields = fieldsOf(type);
  if (!fields || !isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const t = fields.get(k);
    if (v === null && t !== undefined) continue;
    out[k] = t === undefined ? v : withoutNullFields(v, t);
  }
  return out;
}

function checkMetadata(o: KubeObject): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  const meta = o.metadata;
  if (!isObject(meta) || typeof meta.name !== 'string' || meta.name === '') {
    return [
      {
        ruleId: 'metadata-name',
        path: ['metadata', 'name'],
        found: 'metadata.name is missing',
        fix: 'give the object a stable name (generateName cannot be applied declaratively)',
      },
    ];
  }
  const asLabel = LABEL_NAMED.has(o.kind);
  if (PATH_SEGMENT_NAMED.has(o.kind)) {
    const problem = pathSegmentNameProblem(meta.name);
    if (problem)
      out.push({
        ruleId: 'metadata-name',
        path: ['metadata', 'name'],
        found: `name ${show(meta.name)} ${problem}`,
        fix: 'use a name without /, % and other than . or ..',
      });
  } else if (!(asLabel ? DNS_1123_LABEL : DNS_1123_SUBDOMAIN).test(meta.name)) {
    out.push({
      ruleId: 'metadata-name',
      path: ['metadata', 'name'],
      found: `name ${show(meta.name)} is not a valid DNS-1123 ${asLabel ? 'label' : 'subdomain'}`,
      fix: `use lower-case letters, digits and '-'${asLabel ? '' : " (and '.')"}, starting and ending with a letter or digit, at most ${asLabel ? 63 : 253} characters`,
    });
  }
  if (typeof meta.namespace === 'string' && !DNS_1123_LABEL.test(meta.namespace)) {
    out.push({
      ruleId: 'metadata-name',
      path: ['metadata', 'namespace'],
      found: `namespace ${show(meta.namespace)} is not a valid DNS-1123 label`,
      fix: "use lower-case letters, digits and '-', at most 63 characters",
    });
  }
  for (const metaPath of metadataPaths(o)) {
    const m = getPath(o, metaPath);
    if (!isObject(m)) continue;
    if (isObject(m.labels))
      for (const k of Object.keys(m.labels)) {
        // The server reads a null label value as "" (a valid value, but no Pod Security level).
        const v = m.labels[k] === null ? '' : m.labels[k];
        if (typeof v !== 'string') continue;
        const keyProblem = qualifiedNameProblem(k);
        const valueProblem = keyProblem ? undefined : labelValueProblem(v);
        const levelProblem =
          keyProblem || valueProblem || o.kind !== 'Namespace' || metaPath.length > 1 ? undefined : podSecurityLabelProblem(k, v);
        if (levelProblem)
          out.push({
            ruleId: 'label-syntax',
            path: [...metaPath, 'labels', k],
            found: `Pod Security label ${show(k)}: value ${show(v)} ${levelProblem}`,
            fix: 'use privileged, baseline or restricted for a mode, and latest or v1.<minor> for a -version label',
          });
        if (keyProblem || valueProblem)
          out.push({
            ruleId: 'label-syntax',
            path: [...metaPath, 'labels', k],
            found: keyProblem ? `label key ${show(k)} ${keyProblem}` : `label value ${show(v)} ${valueProblem}`,
            fix: keyProblem
              ? 'use an optional DNS subdomain prefix and "/", then a name of at most 63 alphanumerics, "-", "_" or "."'
              : 'use at most 63 alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric',
          });
      }
    // Annotation keys are qualified names too, compared in lower case (ValidateAnnotations).
    if (isObject(m.annotations))
      for (const k of Object.keys(m.annotations)) {
        const problem = qualifiedNameProblem(k.toLowerCase());
        if (problem)
          out.push({
            ruleId: 'label-syntax',
            path: [...metaPath, 'annotations', k],
            found: `annotation key ${show(k)} ${problem}`,
            fix: 'use an optional DNS subdomain prefix and "/", then a name of at most 63 alphanumerics, "-", "_" or "."',
          });
      }
  }
  return out;
}

/** The object's metadata and that of the pod template it stamps out (at any depth: a CronJob's too). */
function metadataPaths(o: KubeObject): FieldPath[] {
  const template = podTemplatePathOf(o.kind);
  return template && template.length > 0 ? [['metadata'], [...template, 'metadata']] : [['metadata']];
}

/**
 * Enumerated string fields that the API server's defaulting fills in when they are empty (Go
 * defaulters test a plain string field against ""), so `""` is taken as unset: by client-node
 * model and JSON field name.
 */
const DEFAULTED_WHEN_EMPTY: Record<string, readonly string[]> = {
  V1ContainerPort: ['protocol'],
  V1ServicePort: ['protocol'],
  V1EndpointPort: ['protocol'],
  V1Container: ['imagePullPolicy', 'terminationMessagePolicy'],
  V1EphemeralContainer: ['imagePullPolicy', 'terminationMessagePolicy'],
  V1PodSpec: ['restartPolicy', 'dnsPolicy'],
  V1ServiceSpec: ['type', 'sessionAffinity'],
  V1DeploymentStrategy: ['type'],
  V1StatefulSetSpec: ['podManagementPolicy'],
  V1StatefulSetUpdateStrategy: ['type'],
  V1DaemonSetUpdateStrategy: ['type'],
  V1CronJobSpec: ['concurrencyPolicy'],
};

/** The client-node model of the value at `path` below a value of model `type`, if it is a model. */
function modelAt(type: string | undefined, path: FieldPath): string | undefined {
  let cur = type;
  for (const seg of path) {
    if (cur === undefined) return undefined;
    const shape = shapeOf(cur);
    cur = shape.of === 'model' ? fieldsOf(cur)?.get(String(seg)) : shape.inner;
  }
  return cur !== undefined && shapeOf(cur).of === 'model' ? cur : undefined;
}

const defaultedWhenEmpty = (model: string | undefined, path: FieldPath, value: unknown): boolean =>
  value === '' &&
  path.length > 0 &&
  (DEFAULTED_WHEN_EMPTY[modelAt(model, path.slice(0, -1)) ?? '']?.includes(String(path.at(-1))) ?? false);

/** Turns ajv errors into violations, one per field: a failed `oneOf` reports once, not per branch. */
function fromAjv(o: KubeObject, errors: readonly AjvError[], model?: string): SchemaViolation[] {
  const byPath = new Map<string, AjvError[]>();
  for (const e of errors) if (!lineBrokenBase64(o, e)) byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
  const out: SchemaViolation[] = [];
  for (const [instancePath, errs] of byPath) {
    const path = toPath(o, instancePath);
    const value = getPath(o, path);
    const shown = `${formatPathShort(path)} is ${show(value)}`;
    const formats = errs.filter((e) => e.keyword === 'format').map((e) => String(e.params.format));
    const types = [...new Set(errs.filter((e) => e.keyword === 'type').map((e) => String(e.params.type)))];
    for (const e of errs.filter((x) => x.keyword === 'required')) {
      const field = String(e.params.missingProperty);
      out.push({
        ruleId: 'schema-required',
        path: [...path, field],
        found: `required field ${field} is missing`,
        fix: `set ${[...path, field].join('.')}`,
      });
    }
    for (const e of errs.filter((x) => x.keyword === 'enum' && !defaultedWhenEmpty(model, path, value))) {
      const allowed = (e.params.allowedValues as unknown[]).map(String).join(', ');
      out.push({ ruleId: 'schema-enum', path, found: shown, fix: `use one of: ${allowed}` });
    }
    const union = errs.some((e) => e.keyword === 'oneOf');
    if (formats.length > 0 && (typeof value === 'string' || !union)) {
      out.push({ ruleId: 'schema-format', path, found: shown, fix: formatHint(formats[0], types) });
    } else if (types.length > 0) {
      // YAML 1.1, which the API server's decoder follows, reads unquoted yes/no/on/off as booleans.
      const quote =
        typeof value === 'boolean' && types.includes('string')
          ? ' (quote it: YAML 1.1 reads unquoted yes, no, on and off as booleans)'
          : '';
      out.push({
        ruleId: 'schema-type',
        path,
        found: `${shown} (${typeName(value)})`,
        fix: `use ${types.map(article).join(' or ')}${quote}`,
      });
    }
  }
  return out;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** A `byte` field that is base64 once its line breaks go: Go's base64 decoder skips \r and \n. */
function lineBrokenBase64(o: KubeObject, e: AjvError): boolean {
  if (e.keyword !== 'format' || e.params.format !== 'byte') return false;
  const value = getPath(o, toPath(o, e.instancePath));
  return typeof value === 'string' && BASE64.test(value.replace(/[\r\n]/g, ''));
}

const article = (t: string) =>
  t === 'integer' ? 'an integer' : t === 'object' ? 'an object (mapping)' : t === 'array' ? 'an array (list)' : `a ${t}`;
const typeName = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'object' ? 'object' : typeof v);

function formatHint(format: string, types: string[]): string {
  if (format === 'quantity') return "use a Kubernetes quantity such as '250m', '1', '256Mi' or '2Gi'";
  if (format === 'int32' || format === 'int64') return `use ${types.includes('string') ? 'a port name or ' : ''}a ${format} integer`;
  return `use a value in the ${format} format`;
}

/** Converts an ajv instance path (`/spec/containers/0`) into segments, numbers for array indices. */
function toPath(o: KubeObject, instancePath: string): PathSegment[] {
  const path: PathSegment[] = [];
  let cur: unknown = o;
  for (const raw of instancePath.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const step: PathSegment = Array.isArray(cur) ? Number(seg) : seg;
    path.push(step);
    cur = isObject(cur) || Array.isArray(cur) ? (cur as Record<PathSegment, unknown>)[step] : undefined;
  }
  return path;
}

function getPath(o: unknown, path: FieldPath): unknown {
  return path.reduce<unknown>(
    (cur, seg) => (isObject(cur) || Array.isArray(cur) ? (cur as Record<PathSegment, unknown>)[seg] : undefined),
    o,
  );
}

const formatPathShort = (path: FieldPath): string => String(path.filter((s) => typeof s === 'string').at(-1) ?? 'value');

const ARRAY = /^Array<(.+)>$/;
const MAP = /^\{ \[key: string\]: (.+); \}$/;
const fieldMaps = new Map<string, ReadonlyMap<string, string> | undefined>();
type Shape = { readonly of: 'array' | 'map'; readonly inner: string } | { readonly of: 'model' };
const shapes = new Map<string, Shape>();

/** A model's JSON field names with their types, built once per model. */
function fieldsOf(type: string): ReadonlyMap<string, string> | undefined {
  if (!fieldMaps.has(type)) fieldMaps.set(type, modelAttributes(type) && new Map(modelAttributes(type)!.map((a) => [a.baseName, a.type])));
  return fieldMaps.get(type);
}

/** What a client-node type string denotes, parsed once per distinct string. */
function shapeOf(type: string): Shape {
  let shape = shapes.get(type);
  if (!shape) {
    const array = ARRAY.exec(type);
    const map = MAP.exec(type);
    shape = array ? { of: 'array', inner: array[1] } : map ? { of: 'map', inner: map[1] } : { of: 'model' };
    shapes.set(type, shape);
  }
  return shape;
}

/**
 * Walks a value against a client-node model and reports every field the model does not define.
 * `path` is one mutable stack, copied only into findings: this walk visits every field of every
 * object, and copying paths at each step dominated the check's run time.
 */
function unknownFields(value: unknown, type: string, path: PathSegment[], out: SchemaViolation[]): void {
  if (value === null || typeof value !== 'object') return;
  const shape = shapeOf(type);
  if (shape.of === 'array') {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        unknownFields(value[i], shape.inner, path, out);
        path.pop();
      }
    }
    return;
  }
  if (shape.of === 'map') {
    if (isObject(value)) {
      for (const k of Object.keys(value)) {
        path.push(k);
        unknownFields(value[k], shape.inner, path, out);
        path.pop();
      }
    }
    return;
  }
  const fields = fieldsOf(type);
  if (!fields || !isObject(value)) return;
  const newer = FIELDS_ADDED_AFTER[type];
  for (const field in value) {
    const v = value[field];
    const fieldType = fields.get(field);
    if (fieldType !== undefined && newer?.[field] === undefined) {
      path.push(field);
      unknownFields(v, fieldType, path, out);
      path.pop();
      continue;
    }
    const owner = type.replace(/^(Core|Events|Rbac|Storage|Discovery|Flowcontrol)?V\d+(alpha\d+|beta\d+)?/, '');
    if (fieldType === undefined) {
      const guess = closest(field, [...fields.keys()]);
      out.push({
        ruleId: 'unknown-field',
        path: [...path, field],
        found: `unknown field ${show(field)} in ${owner}`,
        fix: guess ? `did you mean ${show(guess)}?` : `remove it; ${owner} has: ${[...fields.keys()].join(', ')}`,
      });
    } else {
      out.push({
        ruleId: 'unknown-field',
        path: [...path, field],
        found: `field ${show(field)} of ${owner} exists only from Kubernetes ${newer![field]}; ${KUBERNETES_VERSION} rejects it`,
        fix: `remove it, or achieve the same with a Kubernetes ${KUBERNETES_VERSION} field`,
      });
    }
  }
}

/** The known field nearest to a misspelling, if it is close enough to be a typo. */
function closest(field: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(field.length / 3)) + 1;
  for (const k of known) {
    const d = k.toLowerCase() === field.toLowerCase() ? 0 : editDistance(field, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
