import { DEPLOY_ROLE_ANNOTATION } from '../../core/deploy-role';
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

describe('deploy roles', () => {
  const deployment = (labels: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x', namespace: 'n', labels, ...(annotations ? { annotations } : {}) },
  });
  const role = (r: string) => ({ [DEPLOY_ROLE_ANNOTATION]: r });

  test('a declared datastore is a data store; labels decide nothing', () => {
    expect(isDatastore(deployment({}, role('datastore')))).toBe(true);
    expect(isDatastore(deployment({ 'app.kubernetes.io/component': 'cache' }))).toBe(false);
    expect(isDatastore({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'pg' } })).toBe(false);
  });

  test('a renamed component label does not move an object to another wave', () => {
    for (const stack of [smallStack('n', images), renameComponents(smallStack('n', images))]) {
      const wave = (kind: string, name: string) => orderIntoWaves(stack).find((w) => w.objects.some((o) => o.kind === kind && o.metadata.name === name))?.name;
      expect([wave('StatefulSet', 'tasknote-postgres'), wave('Deployment', 'tasknote-redis'), wave('Job', 'tasknote-migrate')]).toEqual([
        'datastores',
        'datastores',
        'migration',
      ]);
      expect(wave('Deployment', 'tasknote-api')).toBe('workloads');
    }
  });

  test('a Job without the migration role is an ordinary workload', () => {
    const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once', namespace: 'n' } };
    expect(orderIntoWaves([job])).toEqual([{ name: 'workloads', objects: [job] }]);
  });

  test('fails when a role is unknown or declared on a kind that cannot hold it', () => {
    expect(() => orderIntoWaves([deployment({}, role('database'))])).toThrow(
      `Deployment 'x': annotation ${DEPLOY_ROLE_ANNOTATION} ("database") must be one of: datastore, migration`,
    );
    expect(() => orderIntoWaves([deployment({}, role('migration'))])).toThrow(`Deployment 'x': annotation ${DEPLOY_ROLE_ANNOTATION} ("migration") is for a Job`);
  });
});

/** The same stack with every component label renamed. */
function renameComponents(objects: readonly KubeObject[]): KubeObject[] {
  return JSON.parse(JSON.stringify(objects).replace(/"app\.kubernetes\.io\/component":"([^"]*)"/g, '"app.kubernetes.io/component":"renamed-$1"'));
}

describe('resourceName', () => {
  test('is namespace/name for namespaced objects and name otherwise', () => {
    expect(resourceName({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns' } })).toBe('ns/a');
    expect(resourceName({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } })).toBe('ns');
  });
});

test('applies SealedSecrets and ExternalSecrets in the foundation wave, before anything reads their Secrets', async () => {
  const { synthesizeEnvironment } = await import('../../app/synth');
  const out = synthesizeEnvironment('staging', {
    overrides: ['secrets={"provider":"external-secrets","store":{"kind":"ClusterSecretStore","name":"vault"}}'],
  });
  const waves = orderIntoWaves(out.files.flatMap((f) => f.objects));
  const foundation = waves.find((w) => w.name === 'foundation')!;
  expect(names(foundation.objects.filter((o) => o.kind === 'ExternalSecret'))).toEqual([
    'ExternalSecret/tasknote-database',
    'ExternalSecret/tasknote-admin',
    'ExternalSecret/tasknote-smtp',
  ]);
  expect(orderIntoWaves([{ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 's', namespace: 'n' } }])[0].name).toBe(
    'foundation',
  );
});
