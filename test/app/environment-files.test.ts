// An environment file that does not compile, imports something missing or throws while it loads
// is a config error like any other: the real `tasknote synth` names the file, the line and the
// column and what is wrong, prints no stack trace, exits 1 and writes nothing.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
/** What `tasknote synth` loads, copied; node_modules linked. */
const COPIED = ['bin', 'app', 'core', 'constructs', 'environments', 'check', 'deploy', 'review', 'services', 'package.json', 'package-lock.json', 'tsconfig.json'];

let repo: string;
let out: string;
let original: Record<string, string>;

function synth(args: string[] = []) {
  const r = spawnSync(process.execPath, ['bin/tasknote.js', 'synth', '--out', out, ...args], { cwd: repo, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** Replaces `from` with `to` in an environment file of the copy (once; it must be there). */
function edit(file: string, from: string, to: string): void {
  const text = original[file];
  expect(text).toContain(from);
  writeFileSync(join(repo, 'environments', file), text.replace(from, to));
}

/** The 1-based line and column of `needle` in `text`. */
function positionOf(text: string, needle: string): string {
  const at = text.indexOf(needle);
  const before = text.slice(0, at).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

const listing = () => readdirSync(out).sort();

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'tasknote-envfiles-'));
  for (const entry of COPIED) {
    cpSync(join(ROOT, entry), join(repo, entry), {
      recursive: true,
      filter: (src) => !src.includes('node_modules') && !src.includes('/dist'),
    });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'));
  original = Object.fromEntries(['dev.ts', 'third-party-images.ts'].map((f) => [f, readFileSync(join(repo, 'environments', f), 'utf8')]));
  out = join(repo, 'dist');
  // A good synth first: what a failed one must leave alone.
  expect(synth(['--env', 'dev']).status).toBe(0);
  expect(existsSync(join(out, 'dev', 'api.yaml'))).toBe(true);
});

afterEach(() => {
  for (const [file, text] of Object.entries(original)) writeFileSync(join(repo, 'environments', file), text);
});

afterAll(() => rmSync(repo, { recursive: true, force: true }));

function expectRefused(r: ReturnType<typeof synth>, line: string, api: string): void {
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(`error: environment 'dev' is invalid:\n  - ${line}\nNothing was written.\n`);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(readFileSync(join(out, 'dev', 'api.yaml'), 'utf8')).toBe(api);
  expect(listing()).toEqual(['dev']);
}

test('fails on a syntax error in an environment file, naming its line and column', () => {
  const api = readFileSync(join(out, 'dev', 'api.yaml'), 'utf8');
  edit('dev.ts', "  logLevel: 'debug',", "  logLevel: 'debug',,");
  const at = positionOf(original['dev.ts'], "  logLevel: 'debug',");
  const [line, column] = at.split(':').map(Number);
  expectRefused(
    synth(['--env', 'dev']),
    `environments/dev.ts:${line}:${column + "  logLevel: 'debug',".length}: syntax error: Expected identifier but found ","`,
    api,
  );
});

test('fails on a syntax error in a file an environment file imports, naming that file', () => {
  const api = readFileSync(join(out, 'dev', 'api.yaml'), 'utf8');
  writeFileSync(join(repo, 'environments', 'third-party-images.ts'), `${original['third-party-images.ts']}export const BROKEN = (;\n`);
  const line = original['third-party-images.ts'].split('\n').length;
  expectRefused(synth(['--env', 'dev']), `environments/third-party-images.ts:${line}:24: syntax error: Unexpected ";"`, api);
});

test('fails on a failed import, naming the import', () => {
  const api = readFileSync(join(out, 'dev', 'api.yaml'), 'utf8');
  edit('dev.ts', "from './third-party-images'", "from './third-party-imagez'");
  const [line] = positionOf(original['dev.ts'], "from './third-party-images'").split(':');
  const r = synth(['--env', 'dev']);
  expectRefused(r, r.stderr.split('\n')[1].slice(4), api);
  expect(r.stderr).toMatch(
    new RegExp(`^  - environments/dev\\.ts:${line}:\\d+: failed import: cannot find module './third-party-imagez'$`, 'm'),
  );
});

test('fails on an exception while the file loads, naming the line it was thrown at', () => {
  const api = readFileSync(join(out, 'dev', 'api.yaml'), 'utf8');
  edit('dev.ts', "  logLevel: 'debug',", "  logLevel: (() => { throw new RangeError('no log level today'); })(),");
  const [line] = positionOf(original['dev.ts'], "  logLevel: 'debug',").split(':');
  expectRefused(
    synth(['--env', 'dev']),
    `environments/dev.ts:${line}:28: RangeError while loading the environment file: no log level today`,
    api,
  );
});

test('fails when an environment file does not export its environment', () => {
  const api = readFileSync(join(out, 'dev', 'api.yaml'), 'utf8');
  edit('dev.ts', 'export const dev: EnvironmentInput', 'export const development: EnvironmentInput');
  expectRefused(synth(['--env', 'dev']), 'environments/dev.ts: must export `const dev: EnvironmentInput = { … }` (found nothing)', api);
});

test('fails when an environment file is missing', () => {
  const api = readFileSync(join(out, 'dev', 'api.yaml'), 'utf8');
  unlinkSync(join(repo, 'environments', 'dev.ts'));
  const r = synth(['--env', 'dev']);
  expectRefused(r, r.stderr.split('\n')[1].slice(4), api);
  expect(r.stderr).toMatch(/^ {2}- environments\/dev\.ts: cannot be read: ENOENT/m);
});

test('a broken environment file stops a synth of every environment, and nothing is written for any', () => {
  edit('dev.ts', "  logLevel: 'debug',", '  logLevel: (null as any).level,');
  const r = synth();
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(
    /^ {2}- environments\/dev\.ts:\d+:\d+: TypeError while loading the environment file: Cannot read properties of null \(reading 'level'\)$/m,
  );
  expect(r.stderr).not.toMatch(/^\s+at /m);
  // staging and prod were fine, but a failed synth writes nothing at all.
  expect(listing()).toEqual(['dev']);
});
