import { RedisCache, RedisCacheProps } from '../../constructs';
import { containerOf, errorOf, makeChart, Manifest, ofKind, only, podTemplateOf, RESOURCES, synth } from './helpers';

const IMAGE = 'redis:7.2.4-alpine';

function props(overrides: Partial<RedisCacheProps> = {}): RedisCacheProps {
  return { name: 'tasknote-redis', image: IMAGE, maxMemoryMiB: 200, resources: RESOURCES, ...overrides };
}

function objects(overrides: Partial<RedisCacheProps> = {}): Manifest[] {
  const chart = makeChart();
  new RedisCache(chart, 'redis', props(overrides));
  return synth(chart);
}

test('minimal props snapshot', () => {
  expect(objects()).toMatchSnapshot();
});

test('runs one replica with no PodDisruptionBudget and no autoscaler', () => {
  const all = objects();
  expect(only(all, 'Deployment').spec.replicas).toBe(1);
  expect(ofKind(all, 'PodDisruptionBudget')).toEqual([]);
  expect(ofKind(all, 'HorizontalPodAutoscaler')).toEqual([]);
});

test('is a cache: no persistence, LRU eviction at maxMemoryMiB', () => {
  expect(containerOf(only(objects(), 'Deployment')).args).toEqual([
    '--save',
    '',
    '--appendonly',
    'no',
    '--maxmemory',
    '200mb',
    '--maxmemory-policy',
    'allkeys-lru',
    '--protected-mode',
    'no',
  ]);
});

test('runs as the image user 999, non-root, with /tmp and /data writable', () => {
  const deploy = only(objects(), 'Deployment');
  expect(podTemplateOf(deploy).spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999 });
  expect(containerOf(deploy).securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsUser: 999 });
  expect(containerOf(deploy).volumeMounts.map((m: Manifest) => m.mountPath)).toEqual(['/tmp', '/data']);
});

test('has readiness, liveness and startup probes that differ', () => {
  const c = containerOf(only(objects(), 'Deployment'));
  expect(c.readinessProbe.exec.command).toEqual(['redis-cli', '-p', '6379', 'ping']);
  expect(c.livenessProbe.tcpSocket).toEqual({ port: 'redis' });
  expect(c.startupProbe.tcpSocket).toEqual({ port: 'redis' });
});

test('a Service on 6379 targets the named container port', () => {
  const all = objects();
  expect(only(all, 'Service', 'tasknote-redis').spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' }]);
  expect(containerOf(only(all, 'Deployment')).ports).toEqual([{ name: 'redis', containerPort: 6379, protocol: 'TCP' }]);
  const cache = new RedisCache(makeChart(), 'redis', props());
  expect([cache.host, cache.port]).toEqual(['tasknote-redis', 6379]);
});

test('declares the deploy role datastore; waivers default to none', () => {
  expect(only(objects(), 'Deployment').metadata.annotations).toEqual({ 'deploy.tasknote.dev/role': 'datastore' });
  expect(only(objects({ waivers: { 'run-as-user-high': 'image user' } }), 'Deployment').metadata.annotations).toEqual({
    'deploy.tasknote.dev/role': 'datastore',
    'waive.check.tasknote.dev/run-as-user-high': 'image user',
  });
});

test('fails when maxMemoryMiB is not a positive integer', () => {
  expect(() => objects({ maxMemoryMiB: 0 })).toThrow('maxMemoryMiB (0) must be an integer >= 1');
  expect(() => objects({ maxMemoryMiB: 10.5 })).toThrow('maxMemoryMiB (10.5) must be an integer >= 1');
});

test('fails when maxMemoryMiB leaves no headroom below the memory limit', () => {
  expect(() => objects({ maxMemoryMiB: 256 })).toThrow(
    'maxMemoryMiB (256) must be below resources.memoryLimitMiB (256): Redis needs headroom',
  );
});

test('fails when the name, image or resources are invalid, all at once', () => {
  const message = errorOf(() => objects({ name: 'Redis', image: 'redis:latest', resources: { ...RESOURCES, cpuLimitMillis: 10 } }));
  expect(message).toContain("RedisCache 'redis' has invalid props:");
  expect(message).toContain('name ("Redis") must be a DNS-1123 label');
  expect(message).toContain('image ("redis:latest") must not use the \':latest\' tag');
  expect(message).toContain('resources.cpuLimitMillis (10) must be >= resources.cpuRequestMillis (100)');
});
