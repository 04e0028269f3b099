// The fields each packaged custom kind has (check/crd-fields.json, generated from the pinned
// packages' declarations by `npm run generate:crd-fields`): the packages' validators accept any
// extra property, the API server's strict field validation does not. Loaded only when a
// SealedSecret or ExternalSecret is checked.

interface CrdFieldTable {
  readonly roots: Readonly<Record<string, string>>;
  readonly types: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** A field the kind's schema does not have, where it was found, and the fields it could have meant. */
export interface CrdFieldProblem {
  readonly path: (string | number)[];
  readonly field: string;
  /** The type the field was found in, as the package names it (ISealedSecretSpec → SealedSecretSpec). */
  readonly owner: string;
  readonly known: readonly string[];
}

let table: CrdFieldTable | undefined;
const load = (): CrdFieldTable => (table ??= require('./crd-fields.json') as CrdFieldTable);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every field of the object that its kind does not have; empty for kinds the table does not list. */
export function crdFieldProblems(o: { apiVersion: string; kind: string }): CrdFieldProblem[] {
  const { roots, types } = load();
  const root = roots[`${o.apiVersion}/${o.kind}`];
  const out: CrdFieldProblem[] = [];
  const walk = (value: unknown, shape: string, path: (string | number)[]): void => {
    if (shape === '') return;
    if (shape.endsWith('[]')) {
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, shape.slice(0, -2), [...path, i]));
      return;
    }
    if (shape.startsWith('{')) {
      if (isObject(value)) for (const [k, v] of Object.entries(value)) walk(v, shape.slice(1, -1), [...path, k]);
      return;
    }
    const fields = types[shape];
    if (fields === undefined || !isObject(value)) return;
    for (const [field, v] of Object.entries(value)) {
      const inner = fields[field];
      if (inner === undefined)
        out.push({ path: [...path, field], field, owner: shape.replace(/^I(?=[A-Z])/, ''), known: Object.keys(fields) });
      else walk(v, inner, [...path, field]);
    }
  };
  if (root !== undefined) walk(o, root, []);
  return out;
}
