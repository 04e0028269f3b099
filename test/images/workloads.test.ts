// The manifest reading of the image contract test, without an engine.
import { constraintFlags, parseCpu, parseQuantityBytes, workload } from '../../scripts/containers/workloads';

const configMap = { kind: 'ConfigMap', metadata: { name: 'app-config' }, data: { PORT: '8080', DATABASE_HOST: 'db' } };

function deployment(container: Record<string, unknown> = {}, pod: Record<string, unknown> = {}) {
  return {
    kind: 'Deployment',
    metadata: { name: 'app' },
    spec: {
      template: {
        spec: {
          securityContext: { runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          terminationGracePeriodSeconds: 45,
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
          ...pod,
          containers: [
            {
              name: 'app',
              image: 'localhost:5001/tasknote-app:1.0.0',
              command: ['node', 'dist/main.js'],
              args: ['serve'],
              envFrom: [{ configMapRef: { name: 'app-config' } }],
              env: [
                { name: 'LOG_LEVEL', value: 'info' },
                { name: 'DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 'app-db', key: 'password' } } },
              ],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' } },
              livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
              lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
              resources: { limits: { cpu: '500m', memory: '256Mi' } },
              securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              ...container,
            },
          ],
        },
      },
    },
  };
}

test('reads quantities as Kubernetes does', () => {
  expect(parseQuantityBytes('256Mi')).toBe(256 * 2 ** 20);
  expect(parseQuantityBytes('1G')).toBe(1e9);
  expect(parseCpu('500m')).toBe(0.5);
  expect(parseCpu('2')).toBe(2);
  expect(() => parseQuantityBytes('lots')).toThrow("cannot read 'lots' as a memory quantity");
});

test('reads a workload: image, command, env, security context, probes', () => {
  const w = workload([configMap, deployment()], 'Deployment', 'app');
  expect(w).toMatchObject({
    repository: 'tasknote-app',
    command: ['node', 'dist/main.js', 'serve'],
    configEnv: { PORT: '8080', DATABASE_HOST: 'db', LOG_LEVEL: 'info' },
    secretEnv: { DATABASE_PASSWORD: 'app-db/password' },
    user: 10001,
    group: 10001,
    supplementalGroups: [10001],
    readiness: { path: '/readyz', port: 8080 },
    liveness: { path: '/healthz', port: 8080 },
    preStop: ['sleep', '5'],
    terminationGracePeriodSeconds: 45,
    tmpfs: { '/tmp': 64 * 2 ** 20 },
  });
});

test('turns the manifest constraints into docker run flags', () => {
  const flags = constraintFlags(workload([configMap, deployment()], 'Deployment', 'app'));
  expect(flags).toEqual([
    '--user', '10001:10001',
    '--group-add', '10001',
    '--read-only',
    '--cap-drop', 'ALL',
    '--security-opt', 'no-new-privileges',
    '--memory', String(256 * 2 ** 20), '--memory-swap', String(256 * 2 ** 20),
    '--cpus', '0.5',
    '--tmpfs', `/tmp:rw,mode=1777,size=${64 * 2 ** 20}`,
  ]);
});

test('fails when a probe names a port the container does not declare', () => {
  const d = deployment({ readinessProbe: { httpGet: { path: '/readyz', port: 'metrics' } } });
  expect(() => workload([configMap, d], 'Deployment', 'app')).toThrow(
    "Deployment/app readinessProbe: probe port 'metrics' names no containerPort",
  );
});

test('fails when the ConfigMap of envFrom is not in the manifests', () => {
  expect(() => workload([deployment()], 'Deployment', 'app')).toThrow(
    'Deployment/app: ConfigMap app-config is not in the manifests',
  );
});

test('fails when a volume is not an emptyDir', () => {
  const d = deployment({}, { volumes: [{ name: 'tmp', hostPath: { path: '/var' } }] });
  expect(() => workload([configMap, d], 'Deployment', 'app')).toThrow(
    'Deployment/app: volume tmp is not an emptyDir; the test only provides emptyDirs',
  );
});
