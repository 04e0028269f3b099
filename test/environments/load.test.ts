// Environment config: each file is valid as written, and bad input is named field by field.
import { applyOverrides, loadEnvironment, validateEnvironment } from '../../environments/load';
import { resolveImages } from '../../environments/images';
import { dev } from '../../environments/dev';
import { ENVIRONMENT_NAMES } from '../../core/environment-names';
import { problemsOf } from './problems';

test.each(ENVIRONMENT_NAMES)('%s is valid as written', (name) => {
  expect(loadEnvironment(name).name).toBe(name);
});

test('fails when the environment name is unknown', () => {
  expect(problemsOf(() => loadEnvironment('qa'))).toEqual(['environment name ("qa") must be one of: dev, staging, prod']);
});

test('fails when a file configures another environment than its name', () => {
  expect(problemsOf(() => validateEnvironment('staging', dev))).toEqual([
    'name ("dev") must equal the environment it configures (\'staging\')',
  ]);
});

test('reports every problem at once, each with the field and the value received', () => {
  const problems = problemsOf(() => loadEnvironment('dev', ['api.replicas=-1', 'smtp.port=0', 'namespace=Bad']));
  expect(problems).toHaveLength(3);
  expect(problems).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^api\.replicas: .*\(received -1\)$/),
      expect.stringMatching(/^smtp\.port: must be an integer port from 1 to 65535 \(received 0\)$/),
      expect.stringMatching(/^namespace: must be a DNS-1123 label.*\(received "Bad"\)$/),
    ]),
  );
});

test('fails when a key is unknown, listing the known keys of the schema', () => {
  expect(problemsOf(() => loadEnvironment('dev', ['ingress.hots=x.example.com']))).toEqual([
    '--set ingress.hots: unknown key "hots"; known keys of ingress: host, className, controllerNamespace, tlsSecretName',
  ]);
});

test('fails when an environment file has an unknown key, listing the schema keys, not the input keys', () => {
  const input = { ...dev, ingress: { ...dev.ingress, hots: 'x.example.com' } };
  expect(problemsOf(() => validateEnvironment('dev', input))).toEqual([
    'ingress.hots: unknown key; known keys here: host, className, controllerNamespace, tlsSecretName',
  ]);
});

test('--set reads YAML scalars and leaves the source config untouched', () => {
  const changed = applyOverrides('dev', dev, ['api.replicas=3', 'zoneSpread=true', 'ingress.host=a.example.com']) as typeof dev;
  expect(changed.api.replicas).toBe(3);
  expect(changed.zoneSpread).toBe(true);
  expect(changed.ingress.host).toBe('a.example.com');
  expect(dev.api.replicas).toBe(1);
});

test('dev builds its images from the working tree; staging and prod take their release records', () => {
  expect(resolveImages(loadEnvironment('dev'))).toEqual({
    api: 'localhost:5001/tasknote-api:0.1.0-dev',
    worker: 'localhost:5001/tasknote-worker:0.1.0-dev',
  });
  for (const env of ['staging', 'prod']) {
    const images = resolveImages(loadEnvironment(env));
    expect(images.api).toMatch(/\/tasknote-api@sha256:[a-f0-9]{64}$/);
    expect(images.worker).toMatch(/\/tasknote-worker@sha256:[a-f0-9]{64}$/);
  }
});

test('image overrides win, and a :latest override is refused', () => {
  const env = loadEnvironment('dev');
  const pinned = `localhost:5001/tasknote-api@sha256:${'a'.repeat(64)}`;
  expect(resolveImages(env, { api: pinned }).api).toBe(pinned);
  expect(problemsOf(() => resolveImages(env, { api: 'localhost:5001/tasknote-api:latest' }))).toEqual([
    'image api ("localhost:5001/tasknote-api:latest") must not use the \':latest\' tag: pin a version or a digest',
  ]);
});
