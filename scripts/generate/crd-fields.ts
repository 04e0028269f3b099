// Writes check/crd-fields.json (`npm run generate:crd-fields`): the fields of each custom kind
// whose schema check takes from a package (check/k8s-modules.ts CRD_PACKAGES), read from the
// TypeScript declarations those packages ship. The packages' validators accept any extra
// property, while the API server (strict field validation, structural schemas) refuses it: with
// this table check finds a misspelled field in a SealedSecret or ExternalSecret too. No CRD file
// is copied: the table is derived from the pinned packages, and a test keeps it in step with them.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';

/** The custom kinds whose fields are checked, with the declaration that describes each. */
const ROOTS = [
  { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', pkg: '@kubernetes-models/sealed-secrets' },
  { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', pkg: '@kubernetes-models/external-secrets' },
] as const;

/**
 * How the value of a field is walked: `""` not at all (a scalar, or anything the declaration
 * leaves open), `"T"` an object of type T, `"T[]"` a list of them, `"{T}"` a map of them.
 */
export type FieldShape = string;

export interface CrdFieldTable {
  /** Package versions the table was read from. */
  readonly packages: Record<string, string>;
  /** `apiVersion/Kind` → the type of the whole object. */
  readonly roots: Record<string, string>;
  /** Type → its fields and how each is walked. */
  readonly types: Record<string, Record<string, FieldShape>>;
}

const packageDir = (pkg: string) => dirname(require.resolve(`${pkg}/package.json`));

export function buildCrdFieldTable(): CrdFieldTable {
  const files = ROOTS.map((r) => join(packageDir(r.pkg), ...r.apiVersion.split('/'), `${r.kind}.d.ts`));
  const program = ts.createProgram(files, { strict: true, noEmit: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const types: Record<string, Record<string, FieldShape>> = {};
  const declaredIn = new Map<string, string>();

  const isScalar = (t: ts.Type) =>
    (t.flags & (ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.BigIntLike)) !== 0;

  const shapeOf = (type: ts.Type, nameIfAnonymous: string): FieldShape => {
    const t = checker.getNonNullableType(type);
    if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return '';
    // A union (string literals, or alternative shapes) is not walked.
    if (t.isUnion()) return '';
    if (isScalar(t)) return '';
    if (checker.isArrayType(t)) {
      const inner = shapeOf(checker.getTypeArguments(t as ts.TypeReference)[0], nameIfAnonymous);
      return inner === '' ? '' : `${inner}[]`;
    }
    if ((t.flags & ts.TypeFlags.Object) === 0) return '';
    const props = checker.getPropertiesOfType(t);
    const index = checker.getIndexInfoOfType(t, ts.IndexKind.String);
    if (props.length === 0) {
      if (index === undefined) return '';
      const inner = shapeOf(index.type, `${nameIfAnonymous}.value`);
      return inner === '' ? '' : `{${inner}}`;
    }
    // An open object (named fields and any others) is not walked: the declaration allows anything.
    if (index !== undefined) return '';
    const symbol = t.aliasSymbol ?? t.getSymbol();
    const declared = symbol?.getName();
    const name = declared === undefined || declared.startsWith('__') ? nameIfAnonymous : declared;
    const file = symbol?.declarations?.[0]?.getSourceFile().fileName ?? '';
    const seen = declaredIn.get(name);
    if (seen !== undefined) {
      if (seen !== file) throw new Error(`two declarations name ${name}: ${seen} and ${file}`);
      return name;
    }
    declaredIn.set(name, file);
    const fields: Record<string, FieldShape> = {};
    types[name] = fields;
    for (const prop of props) {
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      if (decl === undefined) continue;
      fields[prop.getName()] = shapeOf(checker.getTypeOfSymbolAtLocation(prop, decl), `${name}.${prop.getName()}`);
    }
    return name;
  };

  const roots: Record<string, string> = {};
  ROOTS.forEach((root, i) => {
    const source = program.getSourceFile(files[i]);
    const iface = source?.statements.find(
      (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === `I${root.kind}`,
    );
    if (iface === undefined) throw new Error(`${files[i]} declares no interface I${root.kind}: ${root.pkg} changed its layout`);
    roots[`${root.apiVersion}/${root.kind}`] = shapeOf(checker.getTypeAtLocation(iface), `I${root.kind}`);
  });
  const packages = Object.fromEntries(
    [...new Set([...ROOTS.map((r) => r.pkg), '@kubernetes-models/apimachinery'])].map((pkg) => [
      pkg,
      require(`${pkg}/package.json`).version as string,
    ]),
  );
  return { packages, roots, types: Object.fromEntries(Object.entries(types).sort(([a], [b]) => a.localeCompare(b))) };
}

export const CRD_FIELDS_FILE = join(__dirname, '..', '..', 'check', 'crd-fields.json');

export const renderCrdFieldTable = (table: CrdFieldTable) => `${JSON.stringify(table, null, 1)}\n`;

if (require.main === module) {
  writeFileSync(CRD_FIELDS_FILE, renderCrdFieldTable(buildCrdFieldTable()));
  process.stdout.write(`wrote ${CRD_FIELDS_FILE}\n`);
}
