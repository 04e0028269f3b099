// docs/environments.md lists every environment field with what it accepts, and is generated
// from the schema: a stale page, or a field without a description, fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { environmentFields, renderEnvironmentDocs } from '../../environments/docs';
import { objectFields } from '../../environments/load';
import { environmentSchema } from '../../environments/schema';

/** Value paths found by walking the zod objects themselves (not the JSON Schema the docs read). */
function zodLeaves(schema = environmentSchema as Parameters<typeof objectFields>[0], prefix = ''): string[] {
  return Object.entries(objectFields(schema) ?? {}).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return objectFields(child) ? zodLeaves(child, path) : [path];
  });
}

test('docs/environments.md is the page the schema renders (npm run docs:environments)', () => {
  expect(readFileSync(join(__dirname, '..', '..', 'docs', 'environments.md'), 'utf8')).toBe(renderEnvironmentDocs());
});

test('the page lists every value field of the schema, each once', () => {
  const paths = environmentFields().map((f) => f.path);
  expect(paths).toEqual(zodLeaves());
  expect(new Set(paths).size).toBe(paths.length);
  expect(paths).toEqual(expect.arrayContaining(['jobs.timeZone', 'smtp.egressCidr', 'worker.thumbnailSizes', 'ingress.tlsSecretName']));
});

test('every field says what it accepts', () => {
  const missing = environmentFields().filter((f) => f.accepts.trim().length < 10);
  expect(missing).toEqual([]);
});

test('limits in the page come from the schema', () => {
  const byPath = new Map(environmentFields().map((f) => [f.path, f]));
  expect(byPath.get('api.replicas')).toEqual(expect.objectContaining({ required: false, type: 'integer, 0 to 2147483647' }));
  expect(byPath.get('smtp.port')?.type).toBe('number');
  expect(byPath.get('logLevel')?.type).toBe('one of `fatal`, `error`, `warn`, `info`, `debug`, `trace`');
  expect(byPath.get('worker.thumbnailSizes')?.type).toBe('list of integer, 16 to 4096; at least 1');
});
