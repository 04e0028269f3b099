// The offline `check` against the API server itself: every case of the check corpus, and every
// synthesized environment, submitted with server-side dry run and strict field validation.
// Prints, per defect class the API server enforces, what it rejects and what `check` rejects,
// and requires the two to agree on every case (a known, explained difference is listed below).
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { runCheck } from '../../check/engine';
import { listFiles, loadFiles, parseYaml } from '../../check/load';
import { describeRef, refOf } from '../../check/model';
import { CHECK_PROFILES } from '../../app/check-profiles';
import type { Profile } from '../../check/types';
import { LANE, kubectl, makeWorkspace, ok, tasknote } from '../../scripts/cluster/lane-workspace';

const FIXTURES = join(__dirname, '..', 'fixtures', 'check');
const CORPUS = join(FIXTURES, 'corpus');
const base = loadFiles(listFiles([join(FIXTURES, 'good')]));

/** Defect classes the API server enforces, and the check rules that belong to each. */
const CLASSES = {
  'schema, syntax and API versions': [
    'yaml-syntax',
    'api-version',
    'schema-required',
    'schema-type',
    'schema-enum',
    'schema-format',
    'unknown-field',
    'metadata-name',
    'label-syntax',
  ],
  'Pod Security restricted': [
    'run-as-non-root',
    'run-as-user',
    'allow-privilege-escalation',
    'drop-all-capabilities',
    'added-capabilities',
    'seccomp-profile',
    'privileged',
    'host-namespaces',
    'host-port',
    'host-path',
  ],
} as const;
type ClassName = keyof typeof CLASSES;

/**
 * Cases where the two differ on purpose, by class and case, with the reason. Anything not here
 * must agree.
 */
const KNOWN: Partial<Record<ClassName, Record<string, string>>> = {
  'schema, syntax and API versions': {
    'field-from-newer-kubernetes': 'check targets Kubernetes 1.28; the 1.34 API server serves the field',
    'privileged-container':
      'the API server refuses privileged: true beside allowPrivilegeEscalation: false as an invalid combination (a cross-field rule check lacks); check refuses the same case under its Pod Security rule `privileged`',
  },
  'Pod Security restricted': {
    'privileged-container':
      'the API server stops at the invalid privileged/allowPrivilegeEscalation combination (schema class above) before Pod Security runs',
  },
};

interface Verdict {
  readonly rejected: boolean;
  readonly reason: string;
}

/** The API server's verdict on a file, by class: an error for schema, a Pod Security warning or error for PSA. */
function serverVerdict(file: string): Record<ClassName, Verdict> {
  const r = kubectl([
    'apply',
    '--server-side',
    '--force-conflicts',
    '--dry-run=server',
    '--validate=strict',
    '--field-manager=check-lane',
    '-f',
    file,
  ]);
  const out = `${r.stderr}\n${r.stdout}`;
  // A workload that breaks Pod Security is admitted with a warning; a Pod is refused.
  const psa = /violate[s]? PodSecurity/.test(out);
  const schemaError = r.status !== 0 && !/forbidden: violates PodSecurity/.test(out);
  const line = (pattern: RegExp) => out.split('\n').find((l) => pattern.test(l) && l.trim() !== '') ?? '';
  return {
    'schema, syntax and API versions': { rejected: schemaError, reason: schemaError ? line(/./).slice(0, 200) : '' },
    'Pod Security restricted': { rejected: psa, reason: psa ? line(/PodSecurity/).slice(0, 160) : '' },
  };
}

function checkVerdict(
  items: ReturnType<typeof parseYaml>['items'],
  problems: ReturnType<typeof parseYaml>['problems'],
  profile: Profile,
  only: Set<string>,
) {
  const report = runCheck(items, { profile, loadProblems: problems });
  const mine = report.findings.filter((f) => only.has(describeRef(f.object)) || f.ruleId === 'yaml-syntax');
  return Object.fromEntries(
    (Object.keys(CLASSES) as ClassName[]).map((c) => {
      const hits = mine.filter((f) => (CLASSES[c] as readonly string[]).includes(f.ruleId));
      return [c, { rejected: hits.length > 0, reason: [...new Set(hits.map((f) => f.ruleId))].join(', ') }];
    }),
  ) as Record<ClassName, Verdict>;
}

interface Row {
  readonly name: string;
  readonly server: Record<ClassName, Verdict>;
  readonly check: Record<ClassName, Verdict>;
}

const rows: Row[] = [];

beforeAll(() => {
  // The corpus's namespace, with the Pod Security labels of the base fixture, created for real so
  // that dry runs of namespaced objects have somewhere to land.
  ok(kubectl(['apply', '--server-side', '-f', join(FIXTURES, 'good', 'namespace.yaml')]));
  for (const file of readdirSync(CORPUS)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const path = join(CORPUS, file);
    const text = readFileSync(path, 'utf8');
    const parsed = parseYaml(text, path);
    const profile = CHECK_PROFILES[/^# profile: (\S+)$/m.exec(text)?.[1] ?? 'prod'];
    const removed = [...text.matchAll(/^# remove: (.+)$/gm)].map((m) => m[1].trim());
    const own = new Set(parsed.items.map((i) => describeRef(refOf(i.object))));
    // A case that only removes objects from the base has nothing to submit.
    if (parsed.items.length === 0 && parsed.problems.length === 0) continue;
    const items = [
      ...base.items.filter((i) => !own.has(describeRef(refOf(i.object))) && !removed.includes(describeRef(refOf(i.object)))),
      ...parsed.items,
    ];
    rows.push({
      name: file.replace(/\.yaml$/, ''),
      server: serverVerdict(path),
      check: checkVerdict(items, parsed.problems, profile, own),
    });
  }

  // Every synthesized environment, moved to a namespace of its own so that nothing here touches
  // the deploy tests' namespaces.
  const ws = makeWorkspace('repo-check');
  const out = join(LANE.dir, 'dist-check');
  ok(tasknote(ws, ['synth', '--out', out]));
  for (const env of readdirSync(out).filter((d) => !d.startsWith('.'))) {
    const docs = readdirSync(join(out, env))
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => parseAllDocuments(readFileSync(join(out, env, f), 'utf8'), { version: '1.1' }).map((d) => d.toJS()))
      .filter((o) => o !== null);
    const ns = `check-${env}`;
    const moved = docs.map((o) =>
      o.kind === 'Namespace' ? { ...o, metadata: { ...o.metadata, name: ns } } : { ...o, metadata: { ...o.metadata, namespace: ns } },
    );
    const dir = join(LANE.dir, 'dist-check-moved');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${env}-namespace.yaml`), stringify(moved.find((o) => o.kind === 'Namespace')));
    ok(kubectl(['apply', '--server-side', '-f', join(dir, `${env}-namespace.yaml`)]));
    const file = join(dir, `${env}.yaml`);
    writeFileSync(file, moved.map((o) => stringify(o, { version: '1.1' })).join('---\n'));
    const server = serverVerdict(file);
    const report = ok(tasknote(ws, ['check', '--format', 'json', join(out, env)]));
    const findings = (JSON.parse(report.stdout) as { targets: { findings: { ruleId: string; severity: string }[] }[] }).targets.flatMap(
      (t) => t.findings,
    );
    const errors = (c: ClassName) => findings.filter((f) => f.severity === 'error' && (CLASSES[c] as readonly string[]).includes(f.ruleId));
    const check = Object.fromEntries(
      (Object.keys(CLASSES) as ClassName[]).map((c) => [
        c,
        {
          rejected: errors(c).length > 0,
          reason: errors(c)
            .map((f) => f.ruleId)
            .join(', '),
        },
      ]),
    ) as Record<ClassName, Verdict>;
    rows.push({ name: `dist/${env}`, server, check });
  }

  const table = (Object.keys(CLASSES) as ClassName[]).map((c) => {
    const serverRejects = rows.filter((r) => r.server[c].rejected).length;
    const checkRejects = rows.filter((r) => r.check[c].rejected).length;
    const agree = rows.filter((r) => r.server[c].rejected === r.check[c].rejected).length;
    return `  ${c.padEnd(34)} ${String(rows.length).padStart(5)} ${String(serverRejects).padStart(14)} ${String(checkRejects).padStart(13)} ${String(agree).padStart(6)}`;
  });
  const disagreements = rows.flatMap((r) =>
    (Object.keys(CLASSES) as ClassName[])
      .filter((c) => r.server[c].rejected !== r.check[c].rejected)
      .map(
        (c) =>
          `  ${c}: ${r.name}: API server ${r.server[c].rejected ? `rejects (${r.server[c].reason})` : 'accepts'}; check ${r.check[c].rejected ? `rejects (${r.check[c].reason})` : 'accepts'}${KNOWN[c]?.[r.name] ? ` — known: ${KNOWN[c]?.[r.name]}` : ''}`,
      ),
  );
  console.log(
    [
      'check against the API server (server-side dry run, --validate=strict), per defect class',
      `  ${'class'.padEnd(34)} cases  server rejects  check rejects  agree`,
      ...table,
      disagreements.length === 0 ? 'no disagreement' : 'disagreements:',
      ...disagreements,
    ].join('\n'),
  );
});

test('the corpus and every environment were submitted', () => {
  const submittable = readdirSync(CORPUS).filter(
    (f) => f.endsWith('.yaml') && /^(apiVersion|kind):/m.test(readFileSync(join(CORPUS, f), 'utf8')),
  );
  expect(rows.filter((r) => !r.name.startsWith('dist/')).length).toBe(submittable.length);
  expect(
    rows
      .filter((r) => r.name.startsWith('dist/'))
      .map((r) => r.name)
      .sort(),
  ).toEqual(['dist/dev', 'dist/prod', 'dist/staging']);
});

test('the API server accepts every synthesized environment, with no Pod Security warning', () => {
  for (const r of rows.filter((row) => row.name.startsWith('dist/'))) {
    expect({ env: r.name, server: r.server }).toEqual({
      env: r.name,
      server: {
        'schema, syntax and API versions': { rejected: false, reason: '' },
        'Pod Security restricted': { rejected: false, reason: '' },
      },
    });
  }
});

test.each(Object.keys(CLASSES) as ClassName[])('check and the API server agree on every case of class %s', (c) => {
  const unexplained = rows
    .filter((r) => r.server[c].rejected !== r.check[c].rejected && KNOWN[c]?.[r.name] === undefined)
    .map(
      (r) =>
        `${r.name}: server ${r.server[c].rejected ? 'rejects' : 'accepts'} (${r.server[c].reason}), check ${r.check[c].rejected ? 'rejects' : 'accepts'} (${r.check[c].reason})`,
    );
  expect(unexplained).toEqual([]);
  // Each class is really exercised on both sides.
  expect(rows.filter((r) => r.server[c].rejected).length).toBeGreaterThan(0);
});
