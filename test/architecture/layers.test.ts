// The layering rules of .dependency-cruiser.cjs catch back-arrows: a tree with one planted import
// per rule fails with exactly those violations, and the allowed arrows pass.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../../core/repo-root';

const DEPCRUISE = join(REPO_ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = join(REPO_ROOT, '.dependency-cruiser.cjs');

interface Violation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
}

/** Writes `files` (path -> the modules it imports) into a scratch tree and cruises it with the repository's rules. */
function cruise(files: Record<string, readonly string[]>): Violation[] {
  const root = mkdtempSync(join(tmpdir(), 'tasknote-layers-'));
  try {
    for (const [file, imports] of Object.entries(files)) {
      mkdirSync(join(root, dirname(file)), { recursive: true });
      writeFileSync(join(root, file), `${imports.map((m, i) => `import * as m${i} from '${m}';\nvoid m${i};`).join('\n')}\nexport const x = 1;\n`);
    }
    const folders = [...new Set(Object.keys(files).map((f) => f.split('/')[0]))];
    const run = spawnSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', ...folders], { cwd: root, encoding: 'utf8' });
    if (run.stdout === '') throw new Error(`depcruise failed: ${run.stderr}`);
    const report = JSON.parse(run.stdout) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
    return report.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to })).sort((a, b) => `${a.from} ${a.rule} ${a.to}`.localeCompare(`${b.from} ${b.rule} ${b.to}`));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const LEAF = { 'core/index.ts': [] };

test('the allowed arrows pass', () => {
  expect(
    cruise({
      ...LEAF,
      'services/api/src/contract.ts': [],
      'services/contracts.ts': ['./api/src/contract'],
      'constructs/web-service.ts': ['../core/index', '../services/api/src/contract'],
      'environments/schema.ts': ['../core/index', '../services/contracts'],
      'check/engine.ts': ['../core/index'],
      'deploy/program.ts': ['../core/index', '../environments/schema', '../constructs/web-service'],
      'review/diff.ts': ['../core/index', '../environments/schema'],
      'app/synth.ts': ['../constructs/web-service', '../environments/schema', '../check/engine', '../review/diff', '../deploy/program'],
      'bin/tasknote.js': ['../app/synth'],
    }),
  ).toEqual([]);
});

test('fails on each back-arrow, naming the rule', () => {
  expect(
    cruise({
      ...LEAF,
      'app/synth.ts': [],
      'core/errors.ts': ['../environments/schema'],
      'environments/schema.ts': ['../constructs/web-service'],
      'constructs/web-service.ts': [],
      'check/engine.ts': ['../services/contracts'],
      'services/contracts.ts': [],
      'deploy/program.ts': ['../review/diff', '../app/synth'],
      'review/diff.ts': [],
      'bench/deploy.ts': ['../test/helpers'],
      'test/helpers.ts': [],
    }),
  ).toEqual([
    { rule: 'nothing-imports-tests', from: 'bench/deploy.ts', to: 'test/helpers.ts' },
    { rule: 'check-knows-no-tasknote', from: 'check/engine.ts', to: 'services/contracts.ts' },
    { rule: 'core-is-a-leaf', from: 'core/errors.ts', to: 'environments/schema.ts' },
    { rule: 'only-bin-imports-app', from: 'deploy/program.ts', to: 'app/synth.ts' },
    { rule: 'review-and-deploy-get-synth-injected', from: 'deploy/program.ts', to: 'app/synth.ts' },
    { rule: 'review-and-deploy-get-synth-injected', from: 'deploy/program.ts', to: 'review/diff.ts' },
    { rule: 'libraries-import-only-the-leaf', from: 'environments/schema.ts', to: 'constructs/web-service.ts' },
  ]);
});

/** The layer a file belongs to, as docs/architecture.md draws it. */
function layerOf(file: string): string {
  if (/^services\/(contracts\.ts|[^/]+\/src\/contract\.ts)$/.test(file)) return 'contracts';
  if (file === 'app/stack.ts') return 'stack';
  return file.split('/')[0];
}

test("docs/architecture.md draws exactly the code's imports between layers", () => {
  const folders = ['core', 'services', 'constructs', 'environments', 'check', 'review', 'deploy', 'app', 'bin'];
  const run = spawnSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', ...folders], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const report = JSON.parse(run.stdout) as { modules: { source: string; dependencies: { resolved: string }[] }[] };
  const ours = new RegExp(`^(${folders.join('|')})/`);
  const inCode = new Set<string>();
  for (const m of report.modules.filter((m) => ours.test(m.source) && !/\/test\//.test(m.source))) {
    for (const d of m.dependencies.filter((d) => ours.test(d.resolved))) {
      const [from, to] = [layerOf(m.source), layerOf(d.resolved)];
      if (from !== to) inCode.add(`${from} --> ${to}`);
    }
  }
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'architecture.md'), 'utf8');
  const mermaid = doc.slice(doc.indexOf('```mermaid'), doc.indexOf('```', doc.indexOf('```mermaid') + 3));
  const drawn = new Set([...mermaid.matchAll(/^\s*(\w+) --> (\w+)\s*$/gm)].map((m) => `${m[1]} --> ${m[2]}`));
  expect([...drawn].sort()).toEqual([...inCode].sort());
});
