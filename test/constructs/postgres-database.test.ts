import { EnvironmentChart, PostgresDatabase, PostgresDatabaseProps, SecretReference } from '../../constructs';
import { containerOf, errorOf, makeChart, Manifest, only, podTemplateOf, RESOURCES, synth } from './helpers';

const IMAGE = 'postgres:16.4-alpine';

function props(chart: EnvironmentChart, overrides: Partial<PostgresDatabaseProps> = {}): PostgresDatabaseProps {
  const secret = new SecretReference(chart, 'db-secret', {
    name: 'tasknote-database',
    keys: ['password', 'admin'],
    description: 'db password',
  });
  return {
    name: 'tasknote-postgres',
    image: IMAGE,
    storageGiB: 10,
    storageClassName: 'standard',
    databaseName: 'tasknote',
    user: 'tasknote',
    passwordSecret: secret,
    resources: RESOURCES,
    ...overrides,
  };
}

function objects(overrides: Partial<PostgresDatabaseProps> = {}): Manifest[] {
  const chart = makeChart();
  new PostgresDatabase(chart, 'postgres', props(chart, overrides));
  return synth(chart);
}

const statefulSet = (overrides: Partial<PostgresDatabaseProps> = {}) => only(objects(overrides), 'StatefulSet', 'tasknote-postgres');

test('minimal props snapshot', () => {
  expect(objects()).toMatchSnapshot();
});

test('passwordKey defaults to password: POSTGRES_PASSWORD comes from that Secret key', () => {
  const env = (o: Partial<PostgresDatabaseProps>) => containerOf(statefulSet(o)).env.find((e: Manifest) => e.name === 'POSTGRES_PASSWORD');
  expect(env({})).toEqual({
    name: 'POSTGRES_PASSWORD',
    valueFrom: { secretKeyRef: { name: 'tasknote-database', key: 'password', optional: false } },
  });
  expect(env({ passwordKey: 'admin' }).valueFrom.secretKeyRef.key).toBe('admin');
});

test('no env var holds a secret literal and no Secret object is synthesized', () => {
  const all = objects();
  const env = containerOf(only(all, 'StatefulSet')).env;
  expect(env.filter((e: Manifest) => 'value' in e).map((e: Manifest) => e.name)).toEqual(['POSTGRES_DB', 'POSTGRES_USER', 'PGDATA']);
  expect(all.filter((o) => o.kind === 'Secret')).toEqual([]);
});

test('declares the deploy role datastore; waivers default to none', () => {
  expect(statefulSet().metadata.annotations).toEqual({ 'deploy.tasknote.dev/role': 'datastore' });
  expect(statefulSet({ waivers: { 'run-as-user-high': 'official image UID' } }).metadata.annotations).toEqual({
    'deploy.tasknote.dev/role': 'datastore',
    'waive.check.tasknote.dev/run-as-user-high': 'official image UID',
  });
});

test('runs as the image postgres user (999), non-root, with a read-only root filesystem', () => {
  const sts = statefulSet();
  expect(podTemplateOf(sts).spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999 });
  expect(containerOf(sts).securityContext).toMatchObject({
    runAsUser: 999,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  });
});

test('has 60 s to shut down, longer than its preStop delay', () => {
  const sts = statefulSet();
  expect(podTemplateOf(sts).spec.terminationGracePeriodSeconds).toBe(60);
  expect(containerOf(sts).lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
});

test('stores data in a volumeClaimTemplate of the given class and size, not in a pod volume', () => {
  const sts = statefulSet();
  expect(sts.spec.volumeClaimTemplates).toEqual([
    expect.objectContaining({
      metadata: expect.objectContaining({ name: 'data' }),
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'standard', resources: { requests: { storage: '10Gi' } } },
    }),
  ]);
  expect(podTemplateOf(sts).spec.volumes.map((v: Manifest) => v.name)).toEqual(['tmp', 'var-run-postgresql']);
  expect(containerOf(sts).volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/postgresql/data', readOnly: false });
  expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
});

test('pg_isready probes: readiness over TCP, liveness over the socket, a long startup', () => {
  const c = containerOf(statefulSet());
  expect(c.readinessProbe.exec.command).toEqual([
    'pg_isready',
    '--host=127.0.0.1',
    '--port=5432',
    '--username=tasknote',
    '--dbname=tasknote',
  ]);
  expect(c.livenessProbe.exec.command).toEqual(['pg_isready', '--host=/var/run/postgresql', '--port=5432']);
  expect(c.startupProbe).toMatchObject({ failureThreshold: 60, periodSeconds: 5 });
});

test('a headless Service names the StatefulSet; a client Service serves 5432', () => {
  const all = objects();
  expect(only(all, 'StatefulSet').spec.serviceName).toBe('tasknote-postgres-headless');
  expect(only(all, 'Service', 'tasknote-postgres-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
  expect(only(all, 'Service', 'tasknote-postgres').spec).toMatchObject({
    type: 'ClusterIP',
    ports: [{ port: 5432, targetPort: 'postgres' }],
  });
  expect(only(all, 'ServiceAccount', 'tasknote-postgres').automountServiceAccountToken).toBe(false);
  expect(podTemplateOf(only(all, 'StatefulSet')).spec.serviceAccountName).toBe('tasknote-postgres');
});

test('exposes host, port, database and user for clients', () => {
  const chart = makeChart();
  const db = new PostgresDatabase(chart, 'postgres', props(chart));
  expect([db.host, db.port, db.databaseName, db.user]).toEqual(['tasknote-postgres', 5432, 'tasknote', 'tasknote']);
});

describe('rules', () => {
  test('fails when name is not a DNS-1123 label', () => {
    expect(() => objects({ name: 'Postgres' })).toThrow('name ("Postgres") must be a DNS-1123 label');
  });

  test('fails when storageClassName is not a DNS-1123 label', () => {
    expect(() => objects({ storageClassName: 'GP3' })).toThrow('storageClassName ("GP3") must be a DNS-1123 label');
  });

  test('fails when storageGiB is not a positive integer', () => {
    expect(() => objects({ storageGiB: 0 })).toThrow('storageGiB (0) must be an integer >= 1');
  });

  test('fails when databaseName is not a lower-case SQL identifier', () => {
    expect(() => objects({ databaseName: 'task-note' })).toThrow(
      'databaseName ("task-note") must be a lower-case SQL identifier of at most 63 characters',
    );
  });

  test('fails when user is not a lower-case SQL identifier', () => {
    expect(() => objects({ user: 'Admin' })).toThrow('user ("Admin") must be a lower-case SQL identifier of at most 63 characters');
  });

  test('fails when the image or resources break a pod rule', () => {
    expect(() => objects({ image: 'postgres' })).toThrow('image ("postgres") must be pinned by a tag or a digest');
    expect(() => objects({ resources: { ...RESOURCES, memoryRequestMiB: 0 } })).toThrow(
      'resources.memoryRequestMiB (0) and resources.memoryLimitMiB (256) must both be > 0',
    );
  });

  test('fails when passwordKey is not a key of the Secret', () => {
    expect(() => objects({ passwordKey: 'pw' })).toThrow(
      'SecretReference \'tasknote-database\' has no key "pw"; declared keys: password, admin',
    );
  });

  test('fails with every problem in one error', () => {
    const message = errorOf(() => objects({ storageGiB: 1.5, user: '1user', databaseName: 'DB' }));
    expect(message).toContain("PostgresDatabase 'postgres' has invalid props:");
    expect(message).toContain('storageGiB (1.5)');
    expect(message).toContain('databaseName ("DB")');
    expect(message).toContain('user ("1user")');
  });
});
