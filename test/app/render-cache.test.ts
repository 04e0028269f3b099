// The YAML render cache of `synth` and the unchanged-output rule of writeOutputs: what is written
// must be byte for byte what rendering without them writes.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RenderCache, renderFile, renderObject, synthesizeEnvironment, writeOutputs } from '../../app/synth';
import { KubeObject } from '../../core/kube-object';

const outputs = ['dev', 'staging', 'prod'].map((env) => synthesizeEnvironment(env));
const files = outputs.flatMap((o) => o.files);
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tasknote-render-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('rendering through the cache, on a miss and on a hit, is byte for byte rendering without it', () => {
  const file = join(dir, 'yaml.json');
  const first = RenderCache.open(file);
  expect(files.map((f) => renderFile(f, first))).toEqual(files.map((f) => renderFile(f)));
  first.save();
  const entries = Object.keys((JSON.parse(readFileSync(file, 'utf8')) as { entries: object }).entries);
  expect(entries).toHaveLength(new Set(files.flatMap((f) => f.objects.map((o) => JSON.stringify(o)))).size);
  const second = RenderCache.open(file);
  expect(files.map((f) => renderFile(f, second))).toEqual(files.map((f) => renderFile(f)));
});

test('a hit is the stored text; a cache written for another yaml version or options is not read', () => {
  const file = join(dir, 'yaml.json');
  const object = outputs[0].files[0].objects[0];
  const cache = RenderCache.open(file);
  cache.render(object);
  cache.save();
  const data = JSON.parse(readFileSync(file, 'utf8')) as { key: string; entries: Record<string, string> };
  for (const k of Object.keys(data.entries)) data.entries[k] = 'stored: true\n';
  writeFileSync(file, JSON.stringify(data));
  expect(RenderCache.open(file).render(object)).toBe('stored: true\n');
  writeFileSync(file, JSON.stringify({ ...data, key: 'yaml 0.0.0 {}' }));
  expect(RenderCache.open(file).render(object)).toBe(renderObject(object));
  writeFileSync(file, '{ not json');
  expect(RenderCache.open(file).render(object)).toBe(renderObject(object));
});

test('an object holding a value JSON cannot carry is rendered every time, never cached', () => {
  const file = join(dir, 'yaml.json');
  const odd = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { count: Number.NaN } } as unknown as KubeObject;
  const cache = RenderCache.open(file);
  expect(cache.render(odd)).toBe(renderObject(odd));
  expect(renderObject(odd)).toContain('count: .nan');
  cache.save();
  expect(() => statSync(file)).toThrow();
});

test('writeOutputs leaves an environment whose files are unchanged as it is, and replaces one that changed', () => {
  const [dev, staging] = outputs;
  writeOutputs([dev, staging], dir);
  const devApi = join(dir, 'dev', 'api.yaml');
  const stagingApi = join(dir, 'staging', 'api.yaml');
  const before = { dev: statSync(devApi), staging: statSync(stagingApi) };

  const changed = synthesizeEnvironment('staging', { overrides: ['logLevel=warn'] });
  writeOutputs([dev, changed], dir);
  expect(statSync(devApi).ino).toBe(before.dev.ino);
  expect(statSync(devApi).mtimeMs).toBe(before.dev.mtimeMs);
  expect(statSync(stagingApi).ino).not.toBe(before.staging.ino);
  for (const f of changed.files) expect(readFileSync(join(dir, 'staging', f.path), 'utf8')).toBe(renderFile(f));

  // A file that is not part of the output makes the directory differ: it is replaced whole.
  writeFileSync(join(dir, 'dev', 'stray.yaml'), 'x: 1\n');
  writeOutputs([dev], dir);
  expect(() => statSync(join(dir, 'dev', 'stray.yaml'))).toThrow();
  for (const f of dev.files) expect(readFileSync(join(dir, 'dev', f.path), 'utf8')).toBe(renderFile(f));
});
