// `--set` is a data path into the schema, not a JavaScript property walk: only own fields of the
// schema can be named, the known keys come from the schema, and nothing but the copy changes.
import { applyOverrides, knownKeys, loadEnvironment } from '../../environments/load';
import { dev } from '../../environments/dev';
import { environmentSchema } from '../../environments/schema';
import { problemsOf } from './problems';

const TOP = Object.keys(environmentSchema.shape).join(', ');

afterEach(() => {
  // Whatever a case tried, no prototype was touched.
  for (const proto of [Object.prototype, Array.prototype, Function.prototype]) {
    expect(Object.getOwnPropertyNames(proto)).not.toContain('polluted');
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

describe('fails when a path segment is not an own field of the schema', () => {
  test.each([
    ['__proto__.polluted=1', '--set __proto__.polluted: unknown key "__proto__"; known keys at the top level: ' + TOP],
    [
      'constructor.prototype.polluted=1',
      '--set constructor.prototype.polluted: unknown key "constructor"; known keys at the top level: ' + TOP,
    ],
    ['prototype.polluted=1', `--set prototype.polluted: unknown key "prototype"; known keys at the top level: ${TOP}`],
    ['toString=1', `--set toString: unknown key "toString"; known keys at the top level: ${TOP}`],
    ['hasOwnProperty=1', `--set hasOwnProperty: unknown key "hasOwnProperty"; known keys at the top level: ${TOP}`],
    [
      'api.__proto__.polluted=1',
      '--set api.__proto__.polluted: unknown key "__proto__"; known keys of api: replicas, autoscaling, resources',
    ],
    [
      'api.constructor.prototype.polluted=1',
      '--set api.constructor.prototype.polluted: unknown key "constructor"; known keys of api: replicas, autoscaling, resources',
    ],
    [
      'api.resources.valueOf=1',
      '--set api.resources.valueOf: unknown key "valueOf"; known keys of api.resources: cpuRequestMillis, cpuLimitMillis, memoryRequestMiB, memoryLimitMiB, ephemeralStorageRequestMiB, ephemeralStorageLimitMiB',
    ],
    [
      'worker.thumbnailSizes.length=0',
      "--set worker.thumbnailSizes.length: 'worker.thumbnailSizes' is a value ([64,256]), not an object: set it whole, e.g. worker.thumbnailSizes=<value>",
    ],
    [
      'worker.thumbnailSizes.__proto__.polluted=1',
      "--set worker.thumbnailSizes.__proto__.polluted: 'worker.thumbnailSizes' is a value ([64,256]), not an object: set it whole, e.g. worker.thumbnailSizes=<value>",
    ],
    [
      'namespace.length=1',
      `--set namespace.length: 'namespace' is a value ("tasknote-dev"), not an object: set it whole, e.g. namespace=<value>`,
    ],
  ])('%s', (override, problem) => {
    expect(problemsOf(() => applyOverrides('dev', dev, [override]))).toEqual([problem]);
  });
});

test('fails when a path goes below a field that is a value in the schema, even where the input has nothing', () => {
  // dev has no ingress.tlsSecretName: the schema, not the input, says it is a string.
  expect(problemsOf(() => applyOverrides('dev', dev, ['ingress.tlsSecretName.x=1']))).toEqual([
    "--set ingress.tlsSecretName.x: 'ingress.tlsSecretName' is a value, not an object: set it whole, e.g. ingress.tlsSecretName=<value>",
  ]);
});

test('lists the known keys of the schema, including optional fields the input leaves out', () => {
  expect(knownKeys(['ingress'])).toEqual(['host', 'className', 'controllerNamespace', 'tlsSecretName']);
  expect(knownKeys(['api', 'autoscaling'])).toEqual(['minReplicas', 'maxReplicas', 'targetCpuUtilizationPercent', 'behavior']);
  expect(problemsOf(() => applyOverrides('dev', dev, ['api.autoscaling.minimum=1']))).toEqual([
    '--set api.autoscaling.minimum: unknown key "minimum"; known keys of api.autoscaling: minReplicas, maxReplicas, targetCpuUtilizationPercent, behavior',
  ]);
});

test('an own optional field can be set where the input has none', () => {
  const changed = applyOverrides('dev', dev, ['ingress.tlsSecretName=tasknote-tls']) as typeof dev;
  expect(changed.ingress.tlsSecretName).toBe('tasknote-tls');
  expect(dev.ingress.tlsSecretName).toBeUndefined();
});

test('changes only the copy: the environment file, its nested objects and other objects stay as they were', () => {
  const before = JSON.stringify(dev);
  const resources = dev.api.resources;
  const changed = applyOverrides('dev', dev, ['api.resources.cpuLimitMillis=900', 'worker.thumbnailSizes=[32]']) as typeof dev;
  expect(changed.api.resources.cpuLimitMillis).toBe(900);
  expect(changed.worker.thumbnailSizes).toEqual([32]);
  expect(changed.api.resources).not.toBe(resources);
  expect(JSON.stringify(dev)).toBe(before);
  expect(loadEnvironment('dev').api.resources.cpuLimitMillis).toBe(500);
});

test('fails when a YAML value smuggles __proto__ or unknown keys into an object', () => {
  const problems = problemsOf(() =>
    loadEnvironment('dev', [
      'api.autoscaling={minReplicas: 1, maxReplicas: 2, targetCpuUtilizationPercent: 50, __proto__: {polluted: 1}}',
      'api.replicas=null',
    ]),
  );
  expect(problems).toContain(
    'api.autoscaling.__proto__: unknown key; known keys here: minReplicas, maxReplicas, targetCpuUtilizationPercent, behavior',
  );
});

test('a whole object can be set as a YAML flow mapping, and is validated like the file', () => {
  const env = loadEnvironment('staging', ['api.autoscaling={minReplicas: 3, maxReplicas: 9, targetCpuUtilizationPercent: 60}']);
  expect(env.api.autoscaling).toEqual({ minReplicas: 3, maxReplicas: 9, targetCpuUtilizationPercent: 60 });
  expect(problemsOf(() => loadEnvironment('staging', ['api.autoscaling={minReplicas: 3}']))).toEqual([
    'api.autoscaling.maxReplicas: Invalid input: expected number, received undefined (received nothing)',
    'api.autoscaling.targetCpuUtilizationPercent: Invalid input: expected number, received undefined (received nothing)',
  ]);
});

test('reports every bad --set at once', () => {
  expect(problemsOf(() => applyOverrides('dev', dev, ['__proto__.x=1', 'api.nope=2', 'api.replicas']))).toEqual([
    `--set __proto__.x: unknown key "__proto__"; known keys at the top level: ${TOP}`,
    '--set api.nope: unknown key "nope"; known keys of api: replicas, autoscaling, resources',
    '--set "api.replicas" must have the form path.to.field=value',
  ]);
});

describe('overrides from a map (the stack setting tasknote:overrides)', () => {
  const from = (fields: Record<string, unknown>) =>
    Object.entries(fields).map(([path, value]) => ({ setting: 'tasknote:overrides', path, value }));

  test('set scalars, lists and maps as they are, without reading them as text', () => {
    const env = loadEnvironment(
      'staging',
      from({
        'smtp.port': 2525,
        'worker.thumbnailSizes': [32, 128],
        'api.autoscaling': { minReplicas: 3, maxReplicas: 9, targetCpuUtilizationPercent: 60 },
      }),
    );
    expect(env.smtp.port).toBe(2525);
    expect(env.worker.thumbnailSizes).toEqual([32, 128]);
    expect(env.api.autoscaling).toEqual({ minReplicas: 3, maxReplicas: 9, targetCpuUtilizationPercent: 60 });
  });

  test('fails when a path is not a field, naming the setting as --set names the argument', () => {
    expect(problemsOf(() => loadEnvironment('dev', from({ 'api.replicaz': 2, 'api..replicas': 2 })))).toEqual([
      'tasknote:overrides.api.replicaz: unknown key "replicaz"; known keys of api: replicas, autoscaling, resources',
      'tasknote:overrides.api..replicas: must be a field path such as api.replicas',
    ]);
  });

  test('fails when a value is wrong, naming the setting, the value received and what is allowed', () => {
    const autoscaling = { minReplicas: 5, maxReplicas: 2, targetCpuUtilizationPercent: 60 };
    expect(problemsOf(() => loadEnvironment('staging', from({ 'smtp.port': 0, 'api.autoscaling': autoscaling })))).toEqual([
      'tasknote:overrides.api.autoscaling.minReplicas: must be <= maxReplicas (2) (received 5)',
      'tasknote:overrides.smtp.port: must be an integer port from 1 to 65535 (received 0)',
    ]);
  });
});
