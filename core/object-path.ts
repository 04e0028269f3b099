// The one getter of a value at a path inside a plain-JSON object (a Kubernetes object, say).

/** A path into a plain-JSON value: object keys and array indices. */
export type FieldPath = readonly (string | number)[];

/** The value at `path`, or undefined when any step is missing or of the wrong shape (a number indexes only arrays). */
export function getIn(value: unknown, path: FieldPath): unknown {
  let cur: unknown = value;
  for (const seg of path) {
    if (typeof seg === 'number' ? !Array.isArray(cur) : typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}
