// The offline `check` against the API server itself: every case of the check corpus, every case
// of the API-server catalogue (test/fixtures/apiserver-catalogue: one per rule of the server's
// validation code and of Pod Security), and every synthesized environment, submitted with
// server-side dry run and strict field validation. Prints, per defect class the API server
// enforces, what it rejects and what `check` rejects, and requires the two to agree on every case
// (a known, explained difference is listed below); then the same per catalogue class.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { runCheck } from '../../check/engine';
import { listFiles, loadFiles, parseYaml } from '../../check/load';
import { describeRef, refOf } from '../../check/model';
import { API_VALIDATION_RULES } from '../../check/rules/api-validation';
import { RESTRICTED_RULE_IDS } from '../../check/rules/pod-security-controls';
import { SERVER_SCHEMA_RULE_IDS } from '../../check/schema';
import { CHECK_PROFILES } from '../../app/check-profiles';
import type { Profile } from '../../check/types';
import { LANE, dryRunApply, kubectl, makeWorkspace, ok, tasknote } from '../../scripts/cluster/lane-workspace';

const FIXTURES = join(__dirname, '..', 'fixtures', 'check');
const CORPUS = join(FIXTURES, 'corpus');
const CATALOGUE = join(__dirname, '..', 'fixtures', 'apiserver-catalogue');
const base = loadFiles(listFiles([join(FIXTURES, 'good')]));

/** Defect classes the API server enforces, and the check rules that belong to each. */
const CLASSES = {
  // Everything the server answers with an error: decoding and the OpenAPI schema, strict field
  // validation, served API versions, server-side apply's list keys, and the validation code.
  'API server errors (schema, API versions, validation code)': [...SERVER_SCHEMA_RULE_IDS, ...API_VALIDATION_RULES.map((r) => r.id)],
  // Pod Security (baseline and restricted), which warns on workloads and refuses Pods.
  'Pod Security restricted': RESTRICTED_RULE_IDS,
} as const;
type ClassName = keyof typeof CLASSES;

/**
 * Cases where the two differ on purpose, by class and case, with the reason. Anything not here
 * must agree.
 */
const KNOWN: Partial<Record<ClassName, Record<string, string>>> = {
  'Pod Security restricted': {
    'catalogue/psa-seccomp-localhost':
      'check is stricter on purpose: seccomp-profile wants RuntimeDefault (docs/policy.md), restricted also allows Localhost',
  },
};
const ERRORS: ClassName = 'API server errors (schema, API versions, validation code)';
const PSA: ClassName = 'Pod Security restricted';

interface Verdict {
  readonly rejected: boolean;
  readonly reason: string;
}

/** The API server's verdict on a file, by class: an error for schema, a Pod Security warning or error for PSA. */
function serverVerdict(file: string): Record<ClassName, Verdict> {
  const r = dryRunApply(file, 'check-lane');
  const out = `${r.stderr}\n${r.stdout}`;
  // A workload that breaks Pod Security is admitted with a warning; a Pod is refused.
  const psa = /violate[s]? PodSecurity/.test(out);
  const schemaError = r.status !== 0 && !/forbidden: violates PodSecurity/.test(out);
  const line = (pattern: RegExp) => out.split('\n').find((l) => pattern.test(l) && l.trim() !== '') ?? '';
  return {
    [ERRORS]: { rejected: schemaError, reason: schemaError ? line(/./).slice(0, 200) : '' },
    [PSA]: { rejected: psa, reason: psa ? line(/PodSecurity/).slice(0, 160) : '' },
  } as Record<ClassName, Verdict>;
}

function checkVerdict(
  items: ReturnType<typeof parseYaml>['items'],
  problems: ReturnType<typeof parseYaml>['problems'],
  profile: Profile,
  only: Set<string>,
) {
  const report = runCheck(items, { profile, loadProblems: problems });
  const mine = report.findings.filter((f) => only.has(describeRef(f.object)) || f.ruleId === 'yaml-syntax');
  return byClass(mine.map((f) => ({ ruleId: f.ruleId, object: describeRef(f.object) })));
}

/**
 * check's verdict per class, in the server's order: an object the API server refuses never reaches
 * admission, so Pod Security findings on an object that check refuses with an error do not count.
 */
function byClass(findings: readonly { ruleId: string; object: string }[]): Record<ClassName, Verdict> {
  const errors = findings.filter((f) => (CLASSES[ERRORS] as readonly string[]).includes(f.ruleId));
  const refused = new Set(errors.map((f) => f.object));
  const psa = findings.filter((f) => (CLASSES[PSA] as readonly string[]).includes(f.ruleId) && !refused.has(f.object));
  const verdict = (hits: typeof findings) => ({ rejected: hits.length > 0, reason: [...new Set(hits.map((f) => f.ruleId))].join(', ') });
  return { [ERRORS]: verdict(errors), [PSA]: verdict(psa) } as Record<ClassName, Verdict>;
}

interface Row {
  readonly name: string;
  /** The catalogue class and the server verdict its header states (catalogue cases only). */
  readonly catalogue?: { readonly cls: string; readonly server: string };
  readonly server: Record<ClassName, Verdict>;
  readonly check: Record<ClassName, Verdict>;
}

const rows: Row[] = [];
/** Custom resources of controllers this cluster does not run (no CRD, so no server verdict). */
const CONTROLLER_KINDS = /^kind: (SealedSecret|ExternalSecret)$/m;
/** Cases of custom resources this cluster has no CRD for, so no server verdict. */
const notServed: string[] = [];

beforeAll(() => {
  // The corpus's namespace, with the Pod Security labels of the base fixture, created for real so
  // that dry runs of namespaced objects have somewhere to land.
  ok(kubectl(['apply', '--server-side', '-f', join(FIXTURES, 'good', 'namespace.yaml')]));
  const files = [
    ...readdirSync(CORPUS)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => ({ path: join(CORPUS, f), name: f.replace(/\.yaml$/, ''), catalogue: false })),
    ...readdirSync(CATALOGUE)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => ({ path: join(CATALOGUE, f), name: `catalogue/${f.replace(/\.yaml$/, '')}`, catalogue: true })),
  ];
  for (const { path, name, catalogue } of files) {
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
    const server = serverVerdict(path);
    // A custom resource whose CRD this cluster does not serve (SealedSecret, ExternalSecret: check
    // validates them against their packaged CRD schemas) has no server verdict to compare with.
    if (CONTROLLER_KINDS.test(text) && /resource mapping not found|no matches for kind/.test(server[ERRORS].reason)) {
      notServed.push(name);
      continue;
    }
    rows.push({
      name,
      ...(catalogue
        ? { catalogue: { cls: /^# class: (.+)$/m.exec(text)?.[1] ?? '?', server: /^# server: (\S+)$/m.exec(text)?.[1] ?? '?' } }
        : {}),
      server,
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
    type JsonFinding = { ruleId: string; severity: string; object: { kind: string; namespace?: string; name: string } };
    const findings = (JSON.parse(report.stdout) as { targets: { findings: JsonFinding[] }[] }).targets.flatMap((t) => t.findings);
    const check = byClass(
      findings
        .filter((f) => f.severity === 'error')
        .map((f) => ({ ruleId: f.ruleId, object: describeRef({ apiVersion: '', ...f.object }) })),
    );
    rows.push({ name: `dist/${env}`, server, check });
  }

  const table = (Object.keys(CLASSES) as ClassName[]).map((c) => {
    const serverRejects = rows.filter((r) => r.server[c].rejected).length;
    const checkRejects = rows.filter((r) => r.check[c].rejected).length;
    const agree = rows.filter((r) => r.server[c].rejected === r.check[c].rejected).length;
    return `  ${c.padEnd(58)} ${String(rows.length).padStart(5)} ${String(serverRejects).padStart(14)} ${String(checkRejects).padStart(13)} ${String(agree).padStart(6)}`;
  });
  const disagreements = rows.flatMap((r) =>
    (Object.keys(CLASSES) as ClassName[])
      .filter((c) => r.server[c].rejected !== r.check[c].rejected)
      .map(
        (c) =>
          `  ${c}: ${r.name}: API server ${r.server[c].rejected ? `rejects (${r.server[c].reason})` : 'accepts'}; check ${r.check[c].rejected ? `rejects (${r.check[c].reason})` : 'accepts'}${KNOWN[c]?.[r.name] ? ` — known: ${KNOWN[c]?.[r.name]}` : ''}`,
      ),
  );
  // The catalogue per class: a case is refused when the server errors or warns in any class.
  const refusedBy = (v: Record<ClassName, Verdict>) => (Object.keys(CLASSES) as ClassName[]).some((c) => v[c].rejected);
  const catalogueRows = rows.filter((r) => r.catalogue);
  const catalogueTable = [...new Set(catalogueRows.map((r) => r.catalogue!.cls))].map((cls) => {
    const of = catalogueRows.filter((r) => r.catalogue!.cls === cls);
    const agree = of.filter((r) =>
      (Object.keys(CLASSES) as ClassName[]).every((c) => r.server[c].rejected === r.check[c].rejected || KNOWN[c]?.[r.name]),
    );
    return `  ${cls.padEnd(46)} ${String(of.length).padStart(5)} ${String(of.filter((r) => refusedBy(r.server)).length).padStart(14)} ${String(of.filter((r) => refusedBy(r.check)).length).padStart(13)} ${String(agree.length).padStart(6)}`;
  });
  console.log(
    [
      'check against the API server (server-side dry run, --validate=strict), per defect class',
      `  ${'class'.padEnd(58)} cases  server rejects  check rejects  agree`,
      ...table,
      disagreements.length === 0 ? 'no disagreement' : 'disagreements:',
      ...disagreements,
      '',
      'the API-server catalogue, per class (agree: on every enforcement class, or a listed known difference)',
      `  ${'class'.padEnd(46)} cases  server rejects  check rejects  agree`,
      ...catalogueTable,
      ...(notServed.length > 0
        ? ['', `not submitted (no CRD on this cluster; check validates them against packaged CRD schemas): ${notServed.join(', ')}`]
        : []),
    ].join('\n'),
  );
});

test('the corpus and every environment were submitted', () => {
  const submittable = readdirSync(CORPUS).filter(
    (f) => f.endsWith('.yaml') && /^(apiVersion|kind):/m.test(readFileSync(join(CORPUS, f), 'utf8')),
  );
  expect(rows.filter((r) => !r.name.startsWith('dist/') && !r.catalogue).length + notServed.length).toBe(submittable.length);
  // Exactly the custom resources of controllers this cluster does not run went unsubmitted.
  const controllerCases = submittable
    .filter((f) => CONTROLLER_KINDS.test(readFileSync(join(CORPUS, f), 'utf8')))
    .map((f) => f.replace(/\.yaml$/, ''));
  expect([...notServed].sort()).toEqual(controllerCases.sort());
  expect(rows.filter((r) => r.catalogue).length).toBe(readdirSync(CATALOGUE).filter((f) => f.endsWith('.yaml')).length);
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
        [ERRORS]: { rejected: false, reason: '' },
        [PSA]: { rejected: false, reason: '' },
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

test('the API server gives every catalogue case the verdict its header states (refuses, warns or accepts)', () => {
  const wrong = rows
    .filter((r) => r.catalogue)
    .map((r) => ({
      name: r.name,
      stated: r.catalogue!.server,
      got: r.server[ERRORS].rejected ? 'refuses' : r.server[PSA].rejected ? 'warns' : 'accepts',
      why: r.server[ERRORS].reason || r.server[PSA].reason,
    }))
    .filter((r) => r.stated !== r.got);
  expect(wrong).toEqual([]);
});

test('every known difference is still observed (a stale entry is removed)', () => {
  const stale = (Object.keys(KNOWN) as ClassName[]).flatMap((c) =>
    Object.keys(KNOWN[c] ?? {})
      .filter((name) => {
        const r = rows.find((row) => row.name === name);
        return !r || r.server[c].rejected === r.check[c].rejected;
      })
      .map((name) => `${c}: ${name}`),
  );
  expect(stale).toEqual([]);
});
