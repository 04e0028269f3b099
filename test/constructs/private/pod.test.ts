// The hardened pod template (constructs/private/pod.ts) and the PodProps, ProbeSpec and
// SecurityOverrides defaults of constructs/types.ts, exercised through Worker and WebService.
import { Duration } from 'cdk8s';
import { EnvironmentChart, WebService, Worker, WebServiceProps, WorkerProps } from '../../../constructs';
import {
  containerOf,
  DIGEST_IMAGE,
  errorOf,
  HTTP_PROBES,
  makeChart,
  Manifest,
  only,
  podTemplateOf,
  RESOURCES,
  synth,
  TAG_IMAGE,
  webProps,
  workerProps,
} from '../helpers';
import { versionOf } from '../../../constructs/private/pod';

function workerDeployment(overrides: Partial<WorkerProps> = {}, chart: EnvironmentChart = makeChart()): Manifest {
  new Worker(chart, 'worker', workerProps(overrides));
  return only(synth(chart), 'Deployment');
}

function webDeployment(overrides: Partial<WebServiceProps> = {}): Manifest {
  const chart = makeChart();
  new WebService(chart, 'api', webProps(overrides));
  return only(synth(chart), 'Deployment');
}

describe('hardened defaults', () => {
  test('the pod runs as non-root UID 10001 with the RuntimeDefault seccomp profile', () => {
    expect(podTemplateOf(workerDeployment()).spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  test('the container is non-root, unprivileged, drops ALL capabilities and has a read-only root filesystem', () => {
    expect(containerOf(workerDeployment()).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  test('requests and limits for cpu, memory and ephemeral-storage are exactly as given', () => {
    expect(containerOf(workerDeployment()).resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '64Mi' },
      limits: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '128Mi' },
    });
  });

  test('the pod does not mount a service account token and does not get service links', () => {
    const spec = podTemplateOf(workerDeployment()).spec;
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.enableServiceLinks).toBe(false);
  });

  test('the pod runs under its own ServiceAccount, which does not automount a token either', () => {
    const chart = makeChart();
    const deploy = workerDeployment({}, chart);
    expect(podTemplateOf(deploy).spec.serviceAccountName).toBe('tasknote-worker');
    const sa = only(synth(chart), 'ServiceAccount', 'tasknote-worker');
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(sa.metadata.namespace).toBe('tasknote-test');
  });

  test('imagePullPolicy is IfNotPresent for a digest-pinned image', () => {
    expect(containerOf(workerDeployment({ image: DIGEST_IMAGE })).imagePullPolicy).toBe('IfNotPresent');
  });

  test('imagePullPolicy is Always for a tag-only image', () => {
    expect(containerOf(workerDeployment({ image: TAG_IMAGE })).imagePullPolicy).toBe('Always');
  });

  test('the container name drops the tasknote- prefix', () => {
    expect(containerOf(workerDeployment()).name).toBe('worker');
  });

  test('a workload behind a Service has a preStop delay shorter than its grace period', () => {
    const deploy = webDeployment();
    const sleep = containerOf(deploy).lifecycle.preStop.exec.command;
    expect(sleep[0]).toBe('sleep');
    expect(Number(sleep[1])).toBeLessThan(podTemplateOf(deploy).spec.terminationGracePeriodSeconds);
  });

  test('a workload behind no Service has no preStop hook', () => {
    expect(containerOf(workerDeployment()).lifecycle).toBeUndefined();
  });

  test('a long-running pod keeps the API default restartPolicy', () => {
    expect(podTemplateOf(workerDeployment()).spec.restartPolicy).toBeUndefined();
  });

  test('the termination message falls back to the logs', () => {
    expect(containerOf(workerDeployment()).terminationMessagePolicy).toBe('FallbackToLogsOnError');
  });
});

describe('PodProps defaults', () => {
  test('command defaults to the image ENTRYPOINT (no command field)', () => {
    expect(containerOf(workerDeployment())).not.toHaveProperty('command');
    expect(containerOf(workerDeployment({ command: ['node', 'main.js'] })).command).toEqual(['node', 'main.js']);
  });

  test('args default to the image CMD (no args field)', () => {
    expect(containerOf(workerDeployment())).not.toHaveProperty('args');
    expect(containerOf(workerDeployment({ args: ['--once'] })).args).toEqual(['--once']);
  });

  test('ports default to none', () => {
    expect(containerOf(workerDeployment())).not.toHaveProperty('ports');
    expect(containerOf(workerDeployment({ ports: [{ name: 'metrics', containerPort: 9090 }] })).ports).toEqual([
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ]);
  });

  test('env defaults to none', () => {
    expect(containerOf(workerDeployment())).not.toHaveProperty('env');
    expect(containerOf(workerDeployment({ env: { LOG_LEVEL: 'info' } })).env).toEqual([{ name: 'LOG_LEVEL', value: 'info' }]);
  });

  test('a Secret env value becomes a secretKeyRef, never a literal', () => {
    const env = containerOf(workerDeployment({ env: { DB_PASSWORD: { secretName: 'tasknote-db', key: 'password' } } })).env;
    expect(env).toEqual([{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'tasknote-db', key: 'password', optional: false } } }]);
  });

  test('config defaults to none: no envFrom and no config-hash annotation', () => {
    const deploy = workerDeployment();
    expect(containerOf(deploy)).not.toHaveProperty('envFrom');
    expect(podTemplateOf(deploy).metadata.annotations).toBeUndefined();
  });

  test('probes default to none', () => {
    const container = containerOf(workerDeployment());
    expect(container.readinessProbe).toBeUndefined();
    expect(container.livenessProbe).toBeUndefined();
    expect(container.startupProbe).toBeUndefined();
  });

  test("writablePaths default to ['/tmp']: an emptyDir mounted at /tmp", () => {
    const deploy = workerDeployment();
    expect(containerOf(deploy).volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(podTemplateOf(deploy).spec.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
  });

  test('each writable path gets its own emptyDir', () => {
    const deploy = workerDeployment({ writablePaths: ['/tmp', '/var/cache/app'] });
    expect(containerOf(deploy).volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'var-cache-app', mountPath: '/var/cache/app' },
    ]);
    expect(podTemplateOf(deploy).spec.volumes.map((v: Manifest) => v.name)).toEqual(['tmp', 'var-cache-app']);
  });

  test('extraVolumes default to none; given ones are mounted, read-write unless readOnly', () => {
    expect(podTemplateOf(workerDeployment()).spec.volumes).toHaveLength(1);
    const deploy = workerDeployment({
      extraVolumes: [
        { volume: { name: 'files', persistentVolumeClaim: { claimName: 'tasknote-files' } }, mountPath: '/data' },
        { volume: { name: 'certs', emptyDir: {} }, mountPath: '/certs', readOnly: true },
      ],
    });
    expect(containerOf(deploy).volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'files', mountPath: '/data', readOnly: false },
      { name: 'certs', mountPath: '/certs', readOnly: true },
    ]);
    expect(podTemplateOf(deploy).spec.volumes).toContainEqual({ name: 'files', persistentVolumeClaim: { claimName: 'tasknote-files' } });
  });

  test('security defaults to UID/GID 10001 and no added capabilities', () => {
    const deploy = workerDeployment();
    const pod = podTemplateOf(deploy).spec.securityContext;
    const container = containerOf(deploy).securityContext;
    expect([pod.runAsUser, pod.runAsGroup, pod.fsGroup, container.runAsUser, container.runAsGroup]).toEqual([
      10001, 10001, 10001, 10001, 10001,
    ]);
    expect(container.capabilities).toEqual({ drop: ['ALL'] });
  });

  test('preStopDelay defaults to 5 seconds', () => {
    expect(containerOf(webDeployment()).lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
  });

  test("preStopCommand defaults to ['sleep', '<preStopDelay seconds>']", () => {
    expect(containerOf(webDeployment({ preStopDelay: Duration.seconds(12) })).lifecycle.preStop.exec.command).toEqual(['sleep', '12']);
    expect(containerOf(webDeployment({ preStopCommand: ['/bin/pause', '5'] })).lifecycle.preStop.exec.command).toEqual(['/bin/pause', '5']);
  });

  test('terminationGracePeriod defaults to 30 seconds', () => {
    expect(podTemplateOf(workerDeployment()).spec.terminationGracePeriodSeconds).toBe(30);
    expect(podTemplateOf(workerDeployment({ terminationGracePeriod: Duration.minutes(2) })).spec.terminationGracePeriodSeconds).toBe(120);
  });

  test('zoneSpread defaults to false: pods spread across nodes only', () => {
    expect(podTemplateOf(workerDeployment()).spec.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'tasknote-worker', 'app.kubernetes.io/instance': 'tasknote-test' } },
      },
    ]);
  });

  test('zoneSpread spreads pods across zones as well as nodes', () => {
    const keys = podTemplateOf(workerDeployment({ zoneSpread: true })).spec.topologySpreadConstraints.map((c: Manifest) => c.topologyKey);
    expect(keys).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
  });

  test('waivers default to none: no annotations on the workload', () => {
    expect(workerDeployment().metadata.annotations).toBeUndefined();
    expect(workerDeployment({ waivers: {} }).metadata.annotations).toBeUndefined();
  });

  test('waivers become waive.check.tasknote.dev annotations with the reason', () => {
    expect(workerDeployment({ waivers: { 'replicas-min-2': 'a single worker is enough in dev' } }).metadata.annotations).toEqual({
      'waive.check.tasknote.dev/replicas-min-2': 'a single worker is enough in dev',
    });
  });
});

describe('ProbeSpec and ProbeSet defaults', () => {
  const probes = () => {
    const c = containerOf(webDeployment());
    return { readiness: c.readinessProbe, liveness: c.livenessProbe, startup: c.startupProbe };
  };

  test('readiness defaults: period 10s, timeout 2s, failureThreshold 3', () => {
    expect(probes().readiness).toMatchObject({ periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 });
  });

  test('liveness defaults: period 20s, timeout 3s, failureThreshold 3', () => {
    expect(probes().liveness).toMatchObject({ periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 });
  });

  test('startup defaults: period 5s, timeout 2s, failureThreshold 24', () => {
    expect(probes().startup).toMatchObject({ periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 24 });
  });

  test('initialDelay defaults to 0 on every probe', () => {
    const p = probes();
    expect([p.readiness.initialDelaySeconds, p.liveness.initialDelaySeconds, p.startup.initialDelaySeconds]).toEqual([0, 0, 0]);
  });

  test('startup defaults to the liveness check, allowed two minutes to pass', () => {
    const p = probes();
    expect(p.startup.httpGet).toEqual({ path: '/live', port: 'http' });
    expect(p.startup.periodSeconds * p.startup.failureThreshold).toBe(120);
  });

  test('readiness and liveness probes use their own checks', () => {
    const p = probes();
    expect(p.readiness.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(p.liveness.httpGet).toEqual({ path: '/live', port: 'http' });
  });

  test('given timings override the defaults, a deliberate 0 included', () => {
    const c = containerOf(
      webDeployment({
        probes: {
          readiness: { check: { tcp: { port: 8080 } }, period: Duration.seconds(7), timeout: Duration.seconds(4), failureThreshold: 5 },
          liveness: { check: { exec: ['true'] }, initialDelay: Duration.seconds(15) },
          startup: { check: { exec: ['ready'] }, failureThreshold: 0 },
        },
      }),
    );
    expect(c.readinessProbe).toEqual({
      tcpSocket: { port: 8080 },
      initialDelaySeconds: 0,
      periodSeconds: 7,
      timeoutSeconds: 4,
      failureThreshold: 5,
      successThreshold: 1,
    });
    expect(c.livenessProbe).toMatchObject({ exec: { command: ['true'] }, initialDelaySeconds: 15 });
    expect(c.startupProbe).toMatchObject({ exec: { command: ['ready'] }, failureThreshold: 0 });
  });
});

describe('SecurityOverrides defaults', () => {
  test('runAsGroup defaults to runAsUser', () => {
    const deploy = workerDeployment({ security: { runAsUser: 20000 } });
    expect(podTemplateOf(deploy).spec.securityContext).toMatchObject({ runAsUser: 20000, runAsGroup: 20000 });
    expect(containerOf(deploy).securityContext).toMatchObject({ runAsUser: 20000, runAsGroup: 20000 });
  });

  test('fsGroup defaults to runAsGroup', () => {
    expect(podTemplateOf(workerDeployment({ security: { runAsUser: 20000, runAsGroup: 30000 } })).spec.securityContext.fsGroup).toBe(30000);
    expect(podTemplateOf(workerDeployment({ security: { fsGroup: 40000 } })).spec.securityContext.fsGroup).toBe(40000);
  });

  test('addCapabilities defaults to none; NET_BIND_SERVICE is added back after dropping ALL', () => {
    expect(containerOf(workerDeployment()).securityContext.capabilities).not.toHaveProperty('add');
    expect(containerOf(workerDeployment({ security: { addCapabilities: ['NET_BIND_SERVICE'] } })).securityContext.capabilities).toEqual({
      drop: ['ALL'],
      add: ['NET_BIND_SERVICE'],
    });
  });
});

describe('pod rules', () => {
  const worker = (overrides: Partial<WorkerProps>) => () => new Worker(makeChart(), 'worker', workerProps(overrides));

  test('fails when image is not an image reference', () => {
    expect(worker({ image: 'Not An Image' })).toThrow(
      'image ("Not An Image") must be an image reference such as registry/name:1.2.3 or registry/name@sha256:<64 hex>',
    );
  });

  test('fails when image uses :latest', () => {
    expect(worker({ image: 'registry.example.com/api:latest' })).toThrow(
      'image ("registry.example.com/api:latest") must not use the \':latest\' tag: pin a version or a digest',
    );
  });

  test('fails when image is untagged', () => {
    expect(worker({ image: 'registry.example.com/api' })).toThrow(
      'image ("registry.example.com/api") must be pinned by a tag or a digest (untagged images are rejected)',
    );
  });

  test('fails when security.runAsUser is root', () => {
    expect(worker({ security: { runAsUser: 0 } })).toThrow('security.runAsUser (0) must be a numeric non-root UID (an integer >= 1)');
  });

  test('fails when security.runAsUser is not an integer', () => {
    expect(worker({ security: { runAsUser: 1000.5 } })).toThrow(
      'security.runAsUser (1000.5) must be a numeric non-root UID (an integer >= 1)',
    );
  });

  test('fails when security.runAsGroup is root', () => {
    expect(worker({ security: { runAsGroup: 0 } })).toThrow('security.runAsGroup (0) must be a non-root GID (an integer >= 1)');
  });

  test('fails when preStopDelay is not shorter than terminationGracePeriod (workloads behind a Service)', () => {
    expect(
      () =>
        new WebService(makeChart(), 'api', webProps({ preStopDelay: Duration.seconds(30), terminationGracePeriod: Duration.seconds(30) })),
    ).toThrow('preStopDelay (30s) must be shorter than terminationGracePeriod (30s)');
    expect(() => new WebService(makeChart(), 'api', webProps({ terminationGracePeriod: Duration.seconds(5) }))).toThrow(
      'preStopDelay (5s) must be shorter than terminationGracePeriod (5s)',
    );
  });

  test('a workload behind no Service has no preStop rule', () => {
    expect(worker({ preStopDelay: Duration.seconds(60), terminationGracePeriod: Duration.seconds(30) })).not.toThrow();
  });

  describe.each([
    ['cpu', 'cpuRequestMillis', 'cpuLimitMillis'],
    ['memory', 'memoryRequestMiB', 'memoryLimitMiB'],
    ['ephemeral-storage', 'ephemeralStorageRequestMiB', 'ephemeralStorageLimitMiB'],
  ] as const)('%s resources', (_kind, req, lim) => {
    test(`fails when resources.${req} is not > 0`, () => {
      expect(worker({ resources: { ...RESOURCES, [req]: 0 } })).toThrow(
        `resources.${req} (0) and resources.${lim} (${RESOURCES[lim]}) must both be > 0`,
      );
    });

    test(`fails when resources.${lim} is not > 0`, () => {
      expect(worker({ resources: { ...RESOURCES, [lim]: -1 } })).toThrow(
        `resources.${req} (${RESOURCES[req]}) and resources.${lim} (-1) must both be > 0`,
      );
    });

    test(`fails when resources.${lim} is below resources.${req}`, () => {
      expect(worker({ resources: { ...RESOURCES, [req]: 100, [lim]: 50 } })).toThrow(
        `resources.${lim} (50) must be >= resources.${req} (100)`,
      );
    });
  });

  test('fails when a writable path is relative', () => {
    expect(worker({ writablePaths: ['/tmp', 'cache'] })).toThrow('writablePaths (["/tmp","cache"]) must be absolute paths');
  });

  test('fails when a container port is out of range', () => {
    expect(
      worker({
        ports: [
          { name: 'metrics', containerPort: 9090 },
          { name: 'big', containerPort: 70000 },
        ],
      }),
    ).toThrow('ports ([9090,70000]) must be integers from 1 to 65535');
  });

  test('fails when a port name is not an IANA_SVC_NAME', () => {
    expect(worker({ ports: [{ name: 'Metrics_Port', containerPort: 9090 }] })).toThrow(
      'port names (["Metrics_Port"]) must be IANA_SVC_NAMEs: lower-case, digits and \'-\', at most 15 characters',
    );
    expect(worker({ ports: [{ name: 'a-very-long-port-name', containerPort: 9090 }] })).toThrow('port names (["a-very-long-port-name"])');
  });

  test('fails with every pod problem in one error', () => {
    const message = errorOf(worker({ image: 'api:latest', security: { runAsUser: 0 }, writablePaths: ['tmp'] }));
    expect(message).toContain('image ("api:latest") must not use the \':latest\' tag');
    expect(message).toContain('security.runAsUser (0)');
    expect(message).toContain('writablePaths (["tmp"])');
  });
});

test('hardened pod template snapshot', () => {
  expect(podTemplateOf(webDeployment({ probes: HTTP_PROBES }))).toMatchSnapshot();
});

describe('podRules: capabilities and version label', () => {
  test('fails when a capability other than NET_BIND_SERVICE is added back', () => {
    const chart = makeChart();
    expect(
      () =>
        new Worker(chart, 'w', {
          ...workerProps(),
          security: { addCapabilities: ['NET_ADMIN' as 'NET_BIND_SERVICE'] },
        }),
    ).toThrow('security.addCapabilities (["NET_ADMIN"]) may only hold NET_BIND_SERVICE');
  });

  test('the version label is a valid label value even for odd tags', () => {
    expect(versionOf('registry/x:_v1.2-')).toBe('v1.2');
    expect(versionOf(`registry/x@sha256:${'a'.repeat(64)}`)).toBe('sha256-aaaaaaaaaaaa');
  });
});
