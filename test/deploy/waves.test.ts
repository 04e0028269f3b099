import { isDatastore, orderIntoWaves, resourceName, WAVES } from '../../deploy/waves';
import { type KubeObject } from '../../core/kube-object';
import { smallStack } from './fixtures';

const images = { api: 'r/tasknote-api:1', worker: 'r/tasknote-worker:1' };
const names = (objs: readonly KubeObject[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`);

describe('orderIntoWaves', () => {
  const waves = orderIntoWaves(smallStack('tasknote-dev', images));
  const waveOf = (kind: string, name: string) =>
    waves.find((w) => w.objects.some((o) => o.kind === kind && o.metadata.name === name))?.name;

  test('applies the waves in the documented order', () => {
    expect(waves.map((w) => w.name)).toEqual([...WAVES]);
  });

  test('puts each kind in its wave', () => {
    expect(names(waves[0].objects)).toEqual(['Namespace/tasknote-dev']);
    expect(names(waves[1].objects)).toEqual([
      'PersistentVolumeClaim/tasknote-backups',
      'ConfigMap/tasknote-api',
      'ServiceAccount/tasknote-api',
    ]);
    expect(waveOf('Job', 'tasknote-migrate')).toBe('migration');
    expect(names(waves[5].objects)).toEqual([
      'NetworkPolicy/default-deny',
      'HorizontalPodAutoscaler/tasknote-api',
      'PodDisruptionBudget/tasknote-api',
      'Ingress/tasknote',
    ]);
  });

  test('runs the data stores before the migration and the other workloads after it', () => {
    const index = (kind: string, name: string) => WAVES.indexOf(waveOf(kind, name)!);
    const migration = index('Job', 'tasknote-migrate');
    expect(index('StatefulSet', 'tasknote-postgres')).toBeLessThan(migration);
    expect(index('Deployment', 'tasknote-redis')).toBeLessThan(migration);
    expect(index('Deployment', 'tasknote-api')).toBeGreaterThan(migration);
    expect(index('Deployment', 'tasknote-worker')).toBeGreaterThan(migration);
    expect(index('CronJob', 'tasknote-daily-summary')).toBeGreaterThan(migration);
  });

  test('puts a Service in the wave of the workloads it selects', () => {
    expect(waveOf('Service', 'tasknote-postgres')).toBe('datastores');
    expect(waveOf('Service', 'tasknote-redis')).toBe('datastores');
    expect(waveOf('Service', 'tasknote-api')).toBe('workloads');
  });

  test('puts a Service without a selector in the foundation', () => {
    const headless: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'external', namespace: 'n' },
      spec: { type: 'ExternalName' },
    };
    expect(orderIntoWaves([headless])).toEqual([{ name: 'foundation', objects: [headless] }]);
  });

  test('keeps every object exactly once', () => {
    const input = smallStack('n', images);
    const output = orderIntoWaves(input).flatMap((w) => w.objects);
    expect(output).toHaveLength(input.length);
    expect(new Set(output)).toEqual(new Set(input));
  });

  test('fails when a kind has no wave', () => {
    const odd: KubeObject = { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'x', namespace: 'n' } };
    expect(() => orderIntoWaves([odd])).toThrow("the deploy does not know in which wave to apply PodTemplate 'x'; known kinds: ");
  });
});

describe('isDatastore', () => {
  const deployment = (component?: string): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x', labels: component === undefined ? {} : { 'app.kubernetes.io/component': component } },
  });
  test('treats StatefulSets and database or cache components as data stores', () => {
    expect(isDatastore({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'pg' } })).toBe(true);
    expect(isDatastore(deployment('cache'))).toBe(true);
    expect(isDatastore(deployment('database'))).toBe(true);
    expect(isDatastore(deployment('api'))).toBe(false);
    expect(isDatastore(deployment())).toBe(false);
  });
});

describe('resourceName', () => {
  test('is namespace/name for namespaced objects and name otherwise', () => {
    expect(resourceName({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns' } })).toBe('ns/a');
    expect(resourceName({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } })).toBe('ns');
  });
});
