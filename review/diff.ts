// Object-by-object comparison of two sets of manifests, free of ordering and formatting noise.
import diff from 'microdiff';
import { UserError } from '../core/user-error';
import { apiGroup, diffKey, objectLabel } from './objects';
import { KubeObject } from '../core/kube-object';

/** One changed field of an object, addressed by a readable path such as `spec.template.spec.containers[api].image`. */
export interface FieldChange {
  readonly path: string;
  readonly op: 'add' | 'remove' | 'change';
  readonly oldValue?: unknown;
  readonly newValue?: unknown;
  /** The value is a secret's content: renderers show that it changed, never what it is. */
  readonly hidden: boolean;
}

/** A container image that changed, kept apart from the other fields so it reads as one line. */
export interface ImageChange {
  readonly container: string;
  readonly oldImage: string;
  readonly newImage: string;
}

export interface ObjectChange {
  readonly key: string;
  readonly label: string;
  readonly before: KubeObject;
  readonly after: KubeObject;
  readonly images: readonly ImageChange[];
  readonly fields: readonly FieldChange[];
}

export interface ManifestDiff {
  readonly added: readonly KubeObject[];
  readonly removed: readonly KubeObject[];
  readonly changed: readonly ObjectChange[];
  readonly unchanged: number;
}

export function hasChanges(d: ManifestDiff): boolean {
  return d.added.length + d.removed.length + d.changed.length > 0;
}

/**
 * How the items of a list are told apart, by the list's field name; the first candidate field that is present
 * and unique on every item wins. A list with no usable key is compared by position.
 */
const LIST_KEYS: Readonly<Record<string, readonly string[]>> = {
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  ports: ['name', 'containerPort', 'port'],
};
const DEFAULT_LIST_KEYS = ['name'];

function listKey(field: string, items: readonly unknown[]): string | undefined {
  const candidates = LIST_KEYS[field] ?? DEFAULT_LIST_KEYS;
  return candidates.find((k) => {
    const seen = new Set<unknown>();
    return items.every((item) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
      const v = (item as Record<string, unknown>)[k];
      if ((typeof v !== 'string' && typeof v !== 'number') || seen.has(v)) return false;
      seen.add(v);
      return true;
    });
  });
}

/** Named-list items become map entries whose key is written `[name]`, so moving an item is not a change. */
function normalize(value: unknown, field = ''): unknown {
  if (Array.isArray(value)) {
    const key = value.length > 0 ? listKey(field, value) : undefined;
    if (key === undefined) return value.map((v) => normalize(v));
    return Object.fromEntries(
      value.map((item: Record<string, unknown>) => {
        // The key is already in the path; repeating it in an added item's value is noise.
        const { [key]: id, ...rest } = item;
        return [`[${String(id)}]`, normalize(rest, '')];
      }),
    );
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v, k)]));
  }
  return value;
}

const PLAIN_SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function renderPath(segments: readonly (string | number)[]): string {
  return segments
    .map((s, i) => {
      if (typeof s === 'number') return `[${s}]`;
      if (s.startsWith('[') && s.endsWith(']')) return s;
      if (!PLAIN_SEGMENT.test(s)) return `[${JSON.stringify(s)}]`;
      return i === 0 ? s : `.${s}`;
    })
    .join('');
}

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

function isSecretContent(obj: KubeObject, segments: readonly (string | number)[]): boolean {
  return apiGroup(obj.apiVersion) === '' && obj.kind === 'Secret' && (segments[0] === 'data' || segments[0] === 'stringData');
}

/** Compares two versions of one object field by field. */
export function diffObject(before: KubeObject, after: KubeObject): { images: ImageChange[]; fields: FieldChange[] } {
  const images: ImageChange[] = [];
  const fields: FieldChange[] = [];
  for (const d of diff(normalize(before) as Record<string, unknown>, normalize(after) as Record<string, unknown>)) {
    const segs = d.path;
    const last = segs[segs.length - 1];
    const container = segs[segs.length - 2];
    const list = segs[segs.length - 3];
    if (
      d.type === 'CHANGE' &&
      last === 'image' &&
      typeof container === 'string' &&
      typeof list === 'string' &&
      CONTAINER_LISTS.has(list) &&
      typeof d.oldValue === 'string' &&
      typeof d.value === 'string'
    ) {
      images.push({
        container: container.slice(1, -1),
        oldImage: d.oldValue,
        newImage: d.value,
      });
      continue;
    }
    const hidden = isSecretContent(before, segs) || isSecretContent(after, segs);
    const path = renderPath(segs);
    if (d.type === 'CREATE') fields.push({ path, op: 'add', newValue: d.value, hidden });
    else if (d.type === 'REMOVE') fields.push({ path, op: 'remove', oldValue: d.oldValue, hidden });
    else
      fields.push({
        path,
        op: 'change',
        oldValue: d.oldValue,
        newValue: d.value,
        hidden,
      });
  }
  return { images, fields };
}

function indexByKey(objects: readonly KubeObject[], side: string): Map<string, KubeObject> {
  const byKey = new Map<string, KubeObject>();
  for (const obj of objects) {
    const key = diffKey(obj);
    if (byKey.has(key)) throw new UserError(`${side} manifests hold ${objectLabel(obj)} twice; object names must be unique`);
    byKey.set(key, obj);
  }
  return byKey;
}

/** Compares two sets of objects: which were added, removed, and how each changed one changed. */
export function diffManifests(base: readonly KubeObject[], head: readonly KubeObject[]): ManifestDiff {
  const before = indexByKey(base, 'base');
  const after = indexByKey(head, 'head');
  const label = (key: string) => objectLabel((after.get(key) ?? before.get(key))!);
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort((x, y) => label(x).localeCompare(label(y)) || x.localeCompare(y));
  const added: KubeObject[] = [];
  const removed: KubeObject[] = [];
  const changed: ObjectChange[] = [];
  let unchanged = 0;
  for (const key of keys) {
    const b = before.get(key);
    const a = after.get(key);
    if (!b) added.push(a!);
    else if (!a) removed.push(b);
    else {
      const { images, fields } = diffObject(b, a);
      if (images.length + fields.length === 0) unchanged++;
      else
        changed.push({
          key,
          label: objectLabel(a),
          before: b,
          after: a,
          images,
          fields,
        });
    }
  }
  return { added, removed, changed, unchanged };
}

/** The namespace an environment's objects live in, when it defines exactly one. */
export function soleNamespace(objects: readonly KubeObject[]): string | undefined {
  const namespaces = objects.filter((o) => o.kind === 'Namespace' && apiGroup(o.apiVersion) === '');
  return namespaces.length === 1 ? namespaces[0].metadata.name : undefined;
}

function renameNamespace(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') {
    return value === from ? to : value.split(`.${from}.svc`).join(`.${to}.svc`);
  }
  if (Array.isArray(value)) return value.map((v) => renameNamespace(v, from, to));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renameNamespace(v, from, to)]));
  }
  return value;
}

/**
 * Moves objects into another namespace (the namespace's name and in-cluster DNS names `x.<ns>.svc` too),
 * so that two environments compare on what differs besides where they live.
 */
export function alignNamespace(objects: readonly KubeObject[], from: string, to: string): KubeObject[] {
  return objects.map((o) => renameNamespace(o, from, to) as KubeObject);
}
