// Reads Kubernetes YAML from files and directories into objects that remember their lines.
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { version as YAML_VERSION } from 'yaml/package.json';
import { ContentCache, plainJson } from '../core/content-cache';
import { REPO_ROOT } from '../core/repo-root';
import { UserError } from '../core/user-error';
import { isObject } from './model';
import type { FieldPath, KubeObject, SourcedObject } from './types';

/** A document that could not become an object. */
export interface LoadProblem {
  readonly source: string;
  readonly line?: number;
  readonly found: string;
  readonly fix: string;
}

export interface Loaded {
  readonly items: SourcedObject[];
  readonly problems: LoadProblem[];
  readonly files: string[];
}

const YAML_FILE = /\.ya?ml$/i;

/** Lists the YAML files under the given paths: directories recursively, files as given. */
export function listFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      throw new UserError(`path ${JSON.stringify(p)} does not exist: pass a YAML file or a directory of YAML files`, 2);
    }
    if (stat.isDirectory()) {
      const found = fs
        .readdirSync(p, { recursive: true, encoding: 'utf8' })
        .filter((f) => YAML_FILE.test(f))
        .sort()
        .map((f) => path.join(p, f));
      if (found.length === 0) throw new UserError(`directory ${JSON.stringify(p)} holds no .yaml or .yml files`, 2);
      files.push(...found);
    } else {
      files.push(p);
    }
  }
  return files;
}

/**
 * Reads and parses the files. With a cache, a file whose text was parsed before into objects (and
 * nothing else: no problems, only plain JSON values) is not parsed again; its objects come from the
 * cache, and the file is parsed only if a finding asks for a line.
 */
export function loadFiles(files: readonly string[], cache?: ContentCache): Loaded {
  const items: SourcedObject[] = [];
  const problems: LoadProblem[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const parsed = cache ? parseYamlCached(text, file, cache) : parseYaml(text, file);
    items.push(...parsed.items);
    problems.push(...parsed.problems);
  }
  return { items, problems, files: [...files] };
}

/** The cache of parsed files, in the checkout's .cache/: parsing is most of what checking dist/ costs. */
export function openParseCache(file = path.join(REPO_ROOT, '.cache', 'tasknote-check', 'parsed.json')): ContentCache {
  return ContentCache.open(file, parseKey());
}

/**
 * What parsing depends on besides the text: the `yaml` version and this file, which says how it
 * is called and what becomes of the documents (an edit here is a new key). Unreadable, no key
 * matches, and nothing is served from the cache.
 */
function parseKey(): string {
  try {
    return `yaml ${YAML_VERSION} ${ContentCache.hash(fs.readFileSync(__filename, 'utf8'))}`;
  } catch {
    return `unkeyed ${process.pid} ${Date.now()}`;
  }
}

function parseYamlCached(text: string, source: string, cache: ContentCache): { items: SourcedObject[]; problems: LoadProblem[] } {
  const hash = ContentCache.hash(text);
  const hit = cache.get(hash);
  if (hit !== undefined) {
    let parsed: ReturnType<typeof parseYaml> | undefined;
    const objects = JSON.parse(hit) as KubeObject[];
    return {
      items: objects.map((object, i) => ({ source, object, locate: (p) => (parsed ??= parseYaml(text, source)).items[i].locate?.(p) })),
      problems: [],
    };
  }
  const parsed = parseYaml(text, source);
  const json = parsed.problems.length === 0 ? plainJson(parsed.items.map((item) => item.object)) : undefined;
  if (json !== undefined) cache.set(hash, json);
  return parsed;
}

/**
 * Parses a multi-document YAML text. YAML 1.1 is used because the API server's decoder
 * (sigs.k8s.io/yaml) reads `yes`/`on` as booleans and `0644` as octal, and the check must
 * see the same values as the cluster would.
 */
export function parseYaml(text: string, source: string): { items: SourcedObject[]; problems: LoadProblem[] } {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, version: '1.1', uniqueKeys: true });
  const items: SourcedObject[] = [];
  const problems: LoadProblem[] = [];
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        problems.push({
          source,
          line: err.linePos?.[0].line,
          found: err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''),
          fix: 'fix the YAML syntax',
        });
      }
      continue;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    const startLine = doc.contents?.range ? lineCounter.linePos(doc.contents.range[0]).line : undefined;
    if (!isObject(value)) {
      problems.push({
        source,
        line: startLine,
        found: `the document is ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}`,
        fix: 'each document must be a Kubernetes object (a mapping with apiVersion, kind and metadata)',
      });
      continue;
    }
    const locate = locator(doc, lineCounter);
    if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      value.items.forEach((entry: unknown, i: number) => {
        if (isObject(entry)) items.push({ source, object: entry as KubeObject, locate: (p) => locate(['items', i, ...p]) });
        else
          problems.push({
            source,
            line: locate(['items', i]),
            found: `items[${i}] of the ${value.kind} is not an object`,
            fix: 'each item must be a Kubernetes object',
          });
      });
    } else {
      items.push({ source, object: value, locate });
    }
  }
  return { items, problems };
}

/** Finds the line of a field; for a missing field, the line of its nearest existing parent. */
function locator(doc: Document, lineCounter: LineCounter): (path: FieldPath) => number | undefined {
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
}
