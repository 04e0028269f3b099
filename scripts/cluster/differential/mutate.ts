// Random single-point mutations of valid stacks, for the differential test of `check` against the
// API server (test/cluster/check-differential.ctest.ts, bench/check-differential.ts). A mutant is
// one object of one stack with one change: a leaf replaced by a hostile or near-miss value, a key
// deleted, a list entry duplicated, or a bad key added to a map. fast-check draws the choices
// from a seed, so a seed names a run; every (kind, field class) cell the stacks hold gets a
// minimum number of mutants before the rest are drawn at random.
import fc from 'fast-check';
import type { KubeObject } from '../../../core/kube-object';

export interface Stack {
  readonly name: string;
  readonly objects: readonly KubeObject[];
}

export const FIELD_CLASSES = [
  'strings',
  'integers',
  'enums',
  'names',
  'quantities',
  'selectors',
  'nested templates',
  'maps',
  'lists',
] as const;
export type FieldClass = (typeof FIELD_CLASSES)[number];

export type Operation = 'set' | 'delete' | 'duplicate' | 'add-key';
type Path = readonly (string | number)[];

export interface Mutant {
  readonly id: string;
  readonly stack: string;
  /** Index of the mutated object in its stack. */
  readonly index: number;
  readonly kind: string;
  readonly fieldClass: FieldClass;
  readonly operation: Operation;
  readonly path: Path;
  /** What changed, for the report: the new value, or the key deleted or added. */
  readonly change: string;
  readonly object: KubeObject;
}

/** A place in an object that a mutation can change, with its class. */
interface Site {
  readonly path: Path;
  readonly operation: Operation;
  readonly fieldClass: FieldClass;
}

const ENUM_KEYS = new Set([
  'type',
  'protocol',
  'pathType',
  'operator',
  'imagePullPolicy',
  'restartPolicy',
  'concurrencyPolicy',
  'whenUnsatisfiable',
  'podManagementPolicy',
  'dnsPolicy',
  'sessionAffinity',
  'externalTrafficPolicy',
  'internalTrafficPolicy',
  'policyTypes',
  'selectPolicy',
  'terminationMessagePolicy',
  'accessModes',
  'volumeMode',
  'completionMode',
  'fsGroupChangePolicy',
  'effect',
]);
const NAME_KEYS = new Set([
  'name',
  'serviceName',
  'claimName',
  'secretName',
  'serviceAccountName',
  'ingressClassName',
  'storageClassName',
  'host',
  'hosts',
  'subdomain',
  'hostname',
  'priorityClassName',
  'timeZone',
  'mountPath',
  'path',
]);
const SELECTOR_KEYS = new Set([
  'selector',
  'matchLabels',
  'matchExpressions',
  'podSelector',
  'namespaceSelector',
  'labelSelector',
  'nodeSelector',
]);
const MAP_KEYS = new Set(['labels', 'annotations', 'data', 'stringData', 'binaryData', 'matchLabels', 'nodeSelector', 'selector']);
const QUANTITY_PARENTS = new Set(['requests', 'limits', 'capacity', 'hard']);
const QUANTITY_KEYS = new Set(['sizeLimit', 'storage', 'averageValue', 'value']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The class of a leaf, by where it sits; the most specific class wins. */
function classOf(kind: string, path: Path, value: unknown): FieldClass {
  const keys = path.filter((p): p is string => typeof p === 'string');
  const last = keys.at(-1) ?? '';
  if (kind === 'CronJob' && path.length > 4 && path[1] === 'jobTemplate' && path[3] === 'template') return 'nested templates';
  if (keys.some((k) => SELECTOR_KEYS.has(k)) && !keys.includes('template')) return 'selectors';
  if (QUANTITY_PARENTS.has(String(path.at(-2))) || (QUANTITY_KEYS.has(last) && typeof value === 'string' && /^[0-9.]/.test(value)))
    return 'quantities';
  if (['labels', 'annotations', 'data', 'stringData', 'binaryData'].includes(String(path.at(-2)))) return 'maps';
  if (NAME_KEYS.has(last) || (typeof path.at(-1) === 'number' && NAME_KEYS.has(String(path.at(-2))))) return 'names';
  if (typeof value === 'boolean' || ENUM_KEYS.has(last) || (typeof path.at(-1) === 'number' && ENUM_KEYS.has(String(path.at(-2)))))
    return 'enums';
  if (typeof value === 'number') return 'integers';
  return 'strings';
}

/** Paths the oracle sets itself (where the object lands), so a mutation there would be lost. */
const FIXED = (path: Path) => path[0] === 'apiVersion' || path[0] === 'kind' || (path[0] === 'metadata' && path[1] === 'namespace');

/** Every site of an object: leaves (set), keys (delete), lists (duplicate), maps (add-key). */
export function sitesOf(object: KubeObject): Site[] {
  const kind = String(object.kind);
  const out: Site[] = [];
  const walk = (v: unknown, path: Path) => {
    if (path.length > 0 && !FIXED(path)) {
      const inTemplate = (c: FieldClass): FieldClass => (classOf(kind, path, v) === 'nested templates' ? 'nested templates' : c);
      if (typeof path.at(-1) === 'string') out.push({ path, operation: 'delete', fieldClass: inTemplate(classOf(kind, path, v)) });
      if (Array.isArray(v) && v.length > 0) out.push({ path, operation: 'duplicate', fieldClass: inTemplate('lists') });
      if (isRecord(v) && MAP_KEYS.has(String(path.at(-1))))
        out.push({
          path,
          operation: 'add-key',
          fieldClass: inTemplate(SELECTOR_KEYS.has(String(path.at(-1))) && !path.includes('template') ? 'selectors' : 'maps'),
        });
      if (!isRecord(v) && !Array.isArray(v)) out.push({ path, operation: 'set', fieldClass: classOf(kind, path, v) });
    }
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (isRecord(v)) for (const k of Object.keys(v)) walk(v[k], [...path, k]);
  };
  walk(object, []);
  return out;
}

const long = (n: number) => 'a'.repeat(n);
/** Hostile and near-miss values per class; `v` is the value being replaced. */
const VALUES: Record<FieldClass, (v: unknown) => unknown[]> = {
  strings: (v) => [
    '',
    ' ',
    'UPPER case',
    long(254),
    'ünïcødé',
    '-leading',
    'trailing-',
    'a/b',
    '..',
    `${String(v)}x`,
    String(v).toUpperCase(),
    1,
    true,
    null,
  ],
  integers: (v) => [0, -1, 1, Number(v) + 1, Number(v) - 1, 65535, 65536, 2147483647, 2147483648, -2147483649, 1.5, String(v), null],
  enums: (v) => [
    '',
    String(v).toLowerCase(),
    'Bogus',
    `${String(v)}s`,
    'Utilization',
    'Percent',
    'TCP',
    'None',
    typeof v === 'boolean' ? String(v) : !v,
  ],
  names: (v) => [
    '',
    'UPPER',
    long(64),
    long(254),
    'a.b',
    'a_b',
    '-a',
    '1abc',
    '1.5.5Gi',
    '..',
    'a b',
    `${String(v)}-x`,
    `*.${String(v)}`,
    7,
  ],
  quantities: () => ['', '-1', '1.5.5Gi', '1Gb', '1e3', '0', '1m', '100Mi', 'abc', 1, -1, '1.5', '+1Ki'],
  selectors: (v) => ['', 'bad value', long(64), '-x', 'x/y/z', 'In', 'Bogus', `${String(v)}.`, 'UPPER'],
  'nested templates': (v) =>
    typeof v === 'number'
      ? [-1, 0, 2147483648, 1.5, '1']
      : ['', 'bad value!', long(64), 'UPPER', '-x', typeof v === 'boolean' ? !v : 'Bogus'],
  maps: (v) => ['', 'bad value!', long(64), 1, true, null, `${String(v)}\n`],
  lists: () => [],
};
/** Keys added to a map: invalid and near-valid label and annotation keys. */
const BAD_KEYS = ['bad key', 'a/b/c', '-x', 'UPPER/ok', 'ok.io/', long(64), 'example.com/ok', 'kubernetes.io/x', 'a..b/c', '_x'];

function mutate(object: KubeObject, site: Site, pick: number): { object: KubeObject; change: string } | undefined {
  const copy = structuredClone(object);
  const parent = site.path.slice(0, -1).reduce<any>((o, k) => o?.[k], copy);
  const key = site.path.at(-1)!;
  const target = parent?.[key];
  switch (site.operation) {
    case 'delete':
      if (Array.isArray(parent)) return undefined;
      delete parent[key];
      return { object: copy, change: `delete ${String(key)}` };
    case 'duplicate':
      target.splice(pick % target.length, 0, structuredClone(target[pick % target.length]));
      return { object: copy, change: `duplicate entry ${pick % target.length}` };
    case 'add-key': {
      const k = BAD_KEYS[pick % BAD_KEYS.length];
      if (k in target) return undefined;
      target[k] = 'x';
      return { object: copy, change: `add key ${JSON.stringify(k)}` };
    }
    case 'set': {
      const values = VALUES[site.fieldClass](target).filter((x) => JSON.stringify(x) !== JSON.stringify(target));
      if (values.length === 0) return undefined;
      const value = values[pick % values.length];
      parent[key] = value;
      return { object: copy, change: `set ${JSON.stringify(value)?.slice(0, 40)}` };
    }
  }
}

export interface MutationOptions {
  readonly seed: number;
  readonly count: number;
  /** Mutants each (kind, field class) cell gets before the rest are drawn at random. */
  readonly minPerCell: number;
  /** Objects not to mutate (the server or check refuses them already), as `stack/index`. */
  readonly skip?: ReadonlySet<string>;
}

/** Draws `count` mutants (at least `minPerCell` per cell the stacks hold) from `seed`. */
export function generateMutants(stacks: readonly Stack[], options: MutationOptions): Mutant[] {
  const cells = new Map<string, { stack: Stack; index: number; site: Site }[]>();
  for (const stack of stacks)
    stack.objects.forEach((object, index) => {
      if (options.skip?.has(`${stack.name}/${index}`)) return;
      for (const site of sitesOf(object)) {
        const cell = `${String(object.kind)}\u0000${site.fieldClass}`;
        cells.set(cell, [...(cells.get(cell) ?? []), { stack, index, site }]);
      }
    });
  const cellNames = [...cells.keys()].sort();
  const draws = fc.sample(fc.tuple(fc.nat(), fc.nat(), fc.nat()), {
    seed: options.seed,
    numRuns: options.count * 4 + cellNames.length * options.minPerCell * 4,
  });
  const out: Mutant[] = [];
  const seen = new Set<string>();
  let d = 0;
  const draw = (cell: string): boolean => {
    const [a, b] = draws[d++ % draws.length];
    const candidates = cells.get(cell)!;
    const { stack, index, site } = candidates[a % candidates.length];
    const m = mutate(stack.objects[index], site, b);
    if (!m) return false;
    const key = `${stack.name}/${index}/${JSON.stringify(m.object)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    out.push({
      id: `m${out.length}`,
      stack: stack.name,
      index,
      kind: String(stack.objects[index].kind),
      fieldClass: site.fieldClass,
      operation: site.operation,
      path: site.path,
      change: m.change,
      object: m.object,
    });
    return true;
  };
  for (const cell of cellNames)
    for (let got = 0, tries = 0; got < options.minPerCell && tries < options.minPerCell * 8; tries++) if (draw(cell)) got++;
  for (let tries = 0; out.length < options.count && tries < options.count * 8; tries++) {
    const [, , c] = draws[d % draws.length];
    draw(cellNames[c % cellNames.length]);
  }
  return out;
}

/** Mutants per kind and field class: the coverage table. */
export function coverage(mutants: readonly Mutant[]): Map<string, Map<FieldClass, number>> {
  const table = new Map<string, Map<FieldClass, number>>();
  for (const m of mutants) {
    const row = table.get(m.kind) ?? new Map<FieldClass, number>();
    row.set(m.fieldClass, (row.get(m.fieldClass) ?? 0) + 1);
    table.set(m.kind, row);
  }
  return table;
}

export function formatCoverage(mutants: readonly Mutant[]): string {
  const table = coverage(mutants);
  const head = ['kind'.padEnd(24), ...FIELD_CLASSES.map((c) => c.slice(0, 9).padStart(10))].join('');
  const rows = [...table.keys()]
    .sort()
    .map((kind) => [kind.padEnd(24), ...FIELD_CLASSES.map((c) => String(table.get(kind)!.get(c) ?? '-').padStart(10))].join(''));
  return [head, ...rows].join('\n');
}
