// The dev stack under Pulumi mocks with `tasknote:overrides`: the overridden environment is what
// every synthesis of the program builds, so the registered objects carry the stack's values.
import { mocksFor, runEntry, find } from './stack-run';

const REDIS_RESOURCES = {
  cpuRequestMillis: 30,
  cpuLimitMillis: 300,
  memoryRequestMiB: 64,
  memoryLimitMiB: 96,
  ephemeralStorageRequestMiB: 16,
  ephemeralStorageLimitMiB: 64,
};
const recorder = mocksFor(
  'dev',
  { 'tasknote:overrides': JSON.stringify({ 'api.replicas': 3, 'worker.thumbnailSizes': [32, 128], 'redis.resources': REDIS_RESOURCES }) },
  [],
);

beforeAll(async () => {
  await runEntry(recorder);
}, 120_000);

test('a scalar override reaches the Deployment', () => {
  expect(find(recorder, 'Deployment', 'tasknote-api').inputs.spec.replicas).toBe(3);
});

test('a list override reaches the ConfigMap', () => {
  expect(find(recorder, 'ConfigMap', 'tasknote-worker-config').inputs.data.THUMBNAIL_SIZES).toBe('32,128');
});

test('a map override replaces the whole object', () => {
  const container = find(recorder, 'Deployment', 'tasknote-redis').inputs.spec.template.spec.containers[0];
  expect(container.resources.requests.cpu).toBe('30m');
  expect(container.resources.limits.cpu).toBe('300m');
});
