// Environment config against the API server itself: for every field whose value lands in a
// manifest field the API server validates, values on each side of the boundary
// (test/environments/boundaries.ts) are accepted by synth exactly when the API server accepts
// the manifest, asked with a server-side dry run. The only differences allowed are the values
// listed as `stricter`, where synth refuses on purpose what the API server takes; for those the
// API server must really take them, so the list cannot go stale.
//
// How a refused value reaches the API server: synth would not write it, so the environment is
// synthesized with a sentinel value of the field, and the case's value is put wherever the
// sentinel appears in the objects of the field's kinds: the manifest synth would have written.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { KubeObject } from '../../core/kube-object';
import { API_SERVER_BOUNDARIES, ApiServerBoundary, setArg, synthVerdict } from '../environments/boundaries';
import { LANE, dryRunApply, kubectl, ok } from '../../scripts/cluster/lane-workspace';

const NS = 'env-bounds';
const DIR = join(LANE.dir, 'env-bounds');

type Side = 'accept' | 'refuse' | 'stricter';

interface Row {
  readonly field: string;
  readonly value: unknown;
  readonly side: Side;
  readonly synthAccepts: boolean;
  readonly serverAccepts: boolean;
  readonly server: string;
  readonly warned: boolean;
  readonly replaced: number;
}

/** Every place of `sentinel` in `node` replaced by `value`; counts the places. */
function substitute(node: unknown, sentinel: string | number, value: unknown, hits: { n: number }): unknown {
  if (node === sentinel) {
    hits.n++;
    return value;
  }
  if (typeof node === 'string') {
    const pattern =
      typeof sentinel === 'number'
        ? new RegExp(`(?<![0-9.])${sentinel}(?=[A-Za-z]+$)`) // a quantity: 437m, 233Mi, 437Gi
        : new RegExp(sentinel.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g');
    if (pattern.test(node)) {
      hits.n++;
      return node.replace(pattern, String(value));
    }
    return node;
  }
  if (Array.isArray(node)) return node.map((n) => substitute(n, sentinel, value, hits));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, substitute(v, sentinel, value, hits)]));
  }
  return node;
}

let fileCount = 0;

/** The API server's verdict on these objects: a server-side dry run with strict field validation. */
function dryRun(objects: readonly unknown[]): { accepted: boolean; output: string } {
  const file = join(DIR, `case-${++fileCount}.yaml`);
  writeFileSync(file, objects.map((o) => stringify(o, { version: '1.1' })).join('---\n'));
  const r = dryRunApply(file, 'env-bounds');
  return { accepted: r.status === 0, output: `${r.stderr}\n${r.stdout}`.trim() };
}

function objectsFor(b: ApiServerBoundary): KubeObject[] {
  const base = synthVerdict(b.env, [setArg(b.field, b.sentinel)]);
  if (!base.accepted) throw new Error(`${b.field}: the sentinel ${JSON.stringify(b.sentinel)} is refused by synth:\n${base.message}`);
  const objects = base.outputs[0].files.flatMap((f) => f.objects).filter((o) => b.kinds.includes(o.kind));
  // Into the lane's namespace, so that nothing here touches another test's objects.
  return objects.map((o) => (o.kind === 'Namespace' ? o : ({ ...o, metadata: { ...o.metadata, namespace: NS } } as KubeObject)));
}

const rows: Row[] = [];

beforeAll(() => {
  mkdirSync(DIR, { recursive: true });
  // The namespace, with the Pod Security labels an environment's namespace has, created for real.
  const dev = synthVerdict('dev', []);
  const namespace = dev.outputs[0].files.flatMap((f) => f.objects).find((o) => o.kind === 'Namespace')!;
  const file = join(DIR, 'namespace.yaml');
  writeFileSync(file, stringify({ ...namespace, metadata: { ...namespace.metadata, name: NS } }));
  ok(kubectl(['apply', '--server-side', '--field-manager=env-bounds', '-f', file]));

  for (const b of API_SERVER_BOUNDARIES) {
    const objects = objectsFor(b);
    const cases: [Side, unknown][] = [
      ...b.accept.map((v): [Side, unknown] => ['accept', v]),
      ...b.refuse.map((v): [Side, unknown] => ['refuse', v]),
      ...Object.keys(b.stricter ?? {}).map((text): [Side, unknown] => ['stricter', JSON.parse(text)]),
    ];
    for (const [side, value] of cases) {
      const hits = { n: 0 };
      const patched = objects.map((o) => substitute(o, b.sentinel, value, hits));
      const server = dryRun(patched);
      rows.push({
        field: b.field,
        value,
        side,
        synthAccepts: synthVerdict(b.env, [setArg(b.field, value)]).accepted,
        serverAccepts: server.accepted,
        server:
          server.output
            .split('\n')
            .find((l) => /error|invalid|warning/i.test(l))
            ?.slice(0, 240) ?? '',
        warned: /^Warning: /m.test(server.output),
        replaced: hits.n,
      });
    }
  }

  const verdict = (accepts: boolean) => (accepts ? 'accepts' : 'refuses');
  console.log(
    [
      `environment fields against the API server (server-side dry run): ${rows.length} values of ${API_SERVER_BOUNDARIES.length} fields`,
      ...API_SERVER_BOUNDARIES.map((b) => {
        const mine = rows.filter((r) => r.field === b.field);
        const agree = mine.filter((r) => r.synthAccepts === r.serverAccepts).length;
        return `  ${b.field.padEnd(46)} ${String(mine.length).padStart(3)} values, ${String(agree).padStart(3)} agree, ${mine.length - agree} stricter on purpose`;
      }),
      'where synth is stricter:',
      ...rows
        .filter((r) => r.synthAccepts !== r.serverAccepts)
        .map(
          (r) =>
            `  ${r.field}=${JSON.stringify(r.value)}: synth ${verdict(r.synthAccepts)}, API server ${verdict(r.serverAccepts)}${r.warned ? ' (with a warning)' : ''}`,
        ),
    ].join('\n'),
  );
});

test('every value was put into the manifest and submitted', () => {
  const expected = API_SERVER_BOUNDARIES.reduce((n, b) => n + b.accept.length + b.refuse.length + Object.keys(b.stricter ?? {}).length, 0);
  expect(rows).toHaveLength(expected);
  expect(rows.filter((r) => r.replaced === 0).map((r) => `${r.field}=${JSON.stringify(r.value)}`)).toEqual([]);
});

describe.each(API_SERVER_BOUNDARIES.map((b) => [b.field, b] as const))('%s', (field, b) => {
  const mine = () => rows.filter((r) => r.field === field);
  const show = (r: Row) => ({ value: r.value, synth: r.synthAccepts, server: r.serverAccepts, said: r.server });

  test('values on the accepting side: synth and the API server both accept them', () => {
    const bad = mine().filter((r) => r.side === 'accept' && !(r.synthAccepts && r.serverAccepts));
    expect(bad.map(show)).toEqual([]);
  });

  test('values on the refusing side: synth and the API server both refuse them', () => {
    const bad = mine().filter((r) => r.side === 'refuse' && (r.synthAccepts || r.serverAccepts));
    expect(bad.map(show)).toEqual([]);
  });

  test('values synth refuses on purpose are ones the API server really takes', () => {
    const bad = mine().filter((r) => r.side === 'stricter' && (r.synthAccepts || !r.serverAccepts));
    expect(bad.map(show)).toEqual([]);
    // Where the reason says the API server warns, it does.
    for (const [text, why] of Object.entries(b.stricter ?? {})) {
      if (!/warns/.test(why)) continue;
      const row = mine().find((r) => JSON.stringify(r.value) === text)!;
      expect({ value: row.value, warned: row.warned }).toEqual({ value: row.value, warned: true });
    }
  });
});
