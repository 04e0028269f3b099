// Fields of synthesized objects that depend on values known only while deploying (the pushed
// image digests): found by synthesizing twice with different placeholders and comparing.
import type { KubeObject } from '../core/kube-object';
import type { FieldPath } from '../core/object-path';


/** Identity of an object across two syntheses. */
export function synthesisKey(obj: KubeObject): string {
  return `${obj.apiVersion}/${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

/** Paths of the leaves where `a` and `b` differ; a difference in shape is reported at the node. */
export function differingPaths(a: unknown, b: unknown, path: FieldPath = []): FieldPath[] {
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((v, i) => differingPaths(v, b[i], [...path, i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    if (keys.some((k) => !(k in a) || !(k in b))) return [path];
    return keys.flatMap((k) => differingPaths(a[k], b[k], [...path, k]));
  }
  return Object.is(a, b) ? [] : [path];
}

/**
 * Pairs the objects of two syntheses and lists, per object, the fields that differ.
 * Both must hold the same objects: the deploy must know every resource before the images exist.
 */
export function lateFields(first: readonly KubeObject[], second: readonly KubeObject[]): Map<string, FieldPath[]> {
  const seconds = new Map(second.map((o) => [synthesisKey(o), o]));
  const firstKeys = first.map(synthesisKey);
  const unmatched = [...firstKeys.filter((k) => !seconds.has(k)), ...[...seconds.keys()].filter((k) => !firstKeys.includes(k))];
  if (unmatched.length > 0) {
    throw new Error(
      `the stack's set of objects depends on the image references (${unmatched.join(', ')}); names and kinds must not derive from images`,
    );
  }
  const result = new Map<string, FieldPath[]>();
  for (const obj of first) {
    const key = synthesisKey(obj);
    const paths = differingPaths(obj, seconds.get(key));
    if (
      paths.some(
        (p) =>
          p.length < 2 || p[0] === 'apiVersion' || p[0] === 'kind' || (p[0] === 'metadata' && (p[1] === 'name' || p[1] === 'namespace')),
      )
    ) {
      throw new Error(
        `${key}: its identity or whole sections depend on the image references (${paths.map((p) => p.join('.')).join(', ')})`,
      );
    }
    if (paths.length > 0) result.set(key, paths);
  }
  return result;
}

/** A deep copy of `obj` with the value at each path replaced by `valueAt(path)`. */
export function replaceAt<T>(obj: unknown, paths: readonly FieldPath[], valueAt: (path: FieldPath) => T): unknown {
  const copy = deepCopy(obj) as Record<string | number, unknown>;
  for (const path of paths) {
    let node = copy;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
    node[path[path.length - 1]] = valueAt(path);
  }
  return copy;
}

/**
 * JSON-shaped deep copy. Not `structuredClone`: its arrays come from Node's own realm, and under
 * jest's sandbox Pulumi's `instanceof Array` then serializes them as objects.
 */
function deepCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepCopy(v)]));
  return value;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
