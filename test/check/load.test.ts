import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFiles, openParseCache, parseYaml } from '../../check/load';

describe('parseYaml', () => {
  test('reads every document of a multi-document file and skips empty ones', () => {
    const { items, problems } = parseYaml('---\napiVersion: v1\nkind: ConfigMap\n---\n---\napiVersion: v1\nkind: Secret\n', 'f.yaml');
    expect(problems).toEqual([]);
    expect(items.map((i) => i.object.kind)).toEqual(['ConfigMap', 'Secret']);
  });

  test('reads values as the API server does (YAML 1.1): unquoted no is a boolean, 0644 is octal', () => {
    const { items } = parseYaml('a: no\nb: "no"\nmode: 0644\n', 'f.yaml');
    expect(items[0].object).toEqual({ a: false, b: 'no', mode: 420 });
  });

  test('locates a field, and a missing field at its nearest parent', () => {
    const { items } = parseYaml(
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n    - name: a\n      image: b\n',
      'f.yaml',
    );
    expect(items[0].locate!(['spec', 'containers', 0, 'image'])).toBe(8);
    expect(items[0].locate!(['spec', 'containers', 0, 'securityContext', 'runAsNonRoot'])).toBe(7);
  });

  test('unpacks a List into its items, with their own lines', () => {
    const { items } = parseYaml(
      'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: a\n',
      'f.yaml',
    );
    expect(items.map((i) => i.object.metadata.name)).toEqual(['a']);
    expect(items[0].locate!(['metadata', 'name'])).toBe(7);
  });

  test('fails when a key repeats, naming the line', () => {
    const { items, problems } = parseYaml('kind: Pod\nkind: Service\n', 'f.yaml');
    expect(items).toEqual([]);
    expect(problems).toEqual([{ source: 'f.yaml', line: 2, found: 'Map keys must be unique', fix: 'fix the YAML syntax' }]);
  });

  test('fails when a document is not a mapping', () => {
    expect(parseYaml('- a\n- b\n', 'f.yaml').problems[0].found).toBe('the document is a list');
  });
});

describe('loadFiles with a parse cache', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tasknote-parse-cache-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n    - name: a\n      image: b\n';
  const list = 'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: a\n';

  test('a file parsed before gives the same objects and lines, from the cache, as parsing does', () => {
    const files = [write('pod.yaml', pod), write('list.yaml', list)];
    const cacheFile = join(dir, 'cache', 'parsed.json');
    const first = openParseCache(cacheFile);
    const parsed = loadFiles(files, first);
    first.save();
    const stored = JSON.parse(readFileSync(cacheFile, 'utf8')) as { entries: Record<string, string> };
    expect(Object.keys(stored.entries)).toHaveLength(2);

    const cached = loadFiles(files, openParseCache(cacheFile));
    expect(cached.items.map((i) => i.object)).toEqual(parsed.items.map((i) => i.object));
    expect(cached.items.map((i) => i.source)).toEqual(files);
    expect(cached.items[0].locate!(['spec', 'containers', 0, 'image'])).toBe(8);
    expect(cached.items[1].locate!(['metadata', 'name'])).toBe(7);
  });

  test('the cache is keyed by content: an edited file is parsed again', () => {
    const file = write('pod.yaml', pod);
    const cacheFile = join(dir, 'parsed.json');
    const cache = openParseCache(cacheFile);
    loadFiles([file], cache);
    cache.save();
    writeFileSync(file, pod.replace('image: b', 'image: c'));
    expect(loadFiles([file], openParseCache(cacheFile)).items[0].object.spec.containers[0].image).toBe('c');
  });

  test('files with problems, and values JSON cannot hold, are never cached', () => {
    const files = [
      write('dup.yaml', 'kind: Pod\nkind: Service\n'),
      write('inf.yaml', 'apiVersion: v1\nkind: ConfigMap\nratio: .inf\nzero: -0.0\n'),
    ];
    const cacheFile = join(dir, 'parsed.json');
    const cache = openParseCache(cacheFile);
    const first = loadFiles(files, cache);
    cache.save();
    expect(existsSync(cacheFile)).toBe(false);
    const again = loadFiles(files, openParseCache(cacheFile));
    expect(again.problems).toEqual(first.problems);
    expect(again.items[0].object.ratio).toBe(Infinity);
    expect(Object.is(again.items[0].object.zero, -0)).toBe(true);
  });
});
