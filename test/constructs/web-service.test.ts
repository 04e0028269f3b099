import { Duration } from 'cdk8s';
import {
  AppConfig,
  AutoscalingOptions,
  IngressOptions,
  PROVIDED_ANNOTATION,
  ProbeSpec,
  SecurityOverrides,
  WebService,
  WebServiceProps,
} from '../../constructs';
import { containerOf, DIGEST_IMAGE, errorOf, makeChart, Manifest, ofKind, only, podTemplateOf, synth, webProps } from './helpers';

function objects(overrides: Partial<WebServiceProps> = {}): Manifest[] {
  const chart = makeChart();
  new WebService(chart, 'api', webProps(overrides));
  return synth(chart);
}

const ingress: IngressOptions = { host: 'tasknote.example.com', className: 'nginx' };

test('minimal props snapshot', () => {
  expect(objects()).toMatchSnapshot();
});

describe('the Service', () => {
  test('is a ClusterIP Service selecting the pods, targeting the named HTTP port', () => {
    const svc = only(objects(), 'Service', 'tasknote-api');
    expect(svc.spec).toEqual({
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'tasknote-api', 'app.kubernetes.io/instance': 'tasknote-test' },
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    });
  });

  test('servicePort defaults to 80', () => {
    expect(only(objects(), 'Service').spec.ports[0].port).toBe(80);
    expect(only(objects({ servicePort: 8080 }), 'Service').spec.ports[0].port).toBe(8080);
  });

  test('the targetPort names a container port of the pods', () => {
    const all = objects();
    const target = only(all, 'Service').spec.ports[0].targetPort;
    expect(containerOf(only(all, 'Deployment')).ports.map((p: Manifest) => p.name)).toContain(target);
  });
});

describe('the Ingress', () => {
  test('ingress defaults to none: reachable inside the cluster only', () => {
    expect(ofKind(objects(), 'Ingress')).toEqual([]);
  });

  test('routes the host to the Service on the HTTP port', () => {
    const ing = only(objects({ ingress }), 'Ingress', 'tasknote-api');
    expect(ing.apiVersion).toBe('networking.k8s.io/v1');
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(ing.spec.rules).toEqual([
      {
        host: 'tasknote.example.com',
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'tasknote-api', port: { name: 'http' } } } }] },
      },
    ]);
  });

  test("ingress.paths defaults to ['/']", () => {
    const paths = (o: Manifest[]) => only(o, 'Ingress').spec.rules[0].http.paths.map((p: Manifest) => p.path);
    expect(paths(objects({ ingress }))).toEqual(['/']);
    expect(paths(objects({ ingress: { ...ingress, paths: ['/api', '/auth'] } }))).toEqual(['/api', '/auth']);
  });

  test('ingress.tlsSecretName defaults to no TLS and declares nothing provided', () => {
    const all = objects({ ingress });
    expect(only(all, 'Ingress').spec).not.toHaveProperty('tls');
    expect(only(all, 'Namespace').metadata.annotations).toBeUndefined();
  });

  test('a TLS secret is used for the host and declared as provided by a controller, never synthesized', () => {
    const chart = makeChart();
    new WebService(chart, 'api', webProps({ ingress: { ...ingress, tlsSecretName: 'tasknote-tls' } }));
    const all = synth(chart);
    expect(only(all, 'Ingress').spec.tls).toEqual([{ hosts: ['tasknote.example.com'], secretName: 'tasknote-tls' }]);
    expect(only(all, 'Namespace').metadata.annotations[PROVIDED_ANNOTATION]).toBe('Secret/tasknote-tls');
    expect(chart.providedObjects).toEqual([
      expect.objectContaining({ name: 'tasknote-tls', keys: ['tls.crt', 'tls.key'], providedBy: 'controller' }),
    ]);
    expect(ofKind(all, 'Secret')).toEqual([]);
  });

  test('ingress.annotations defaults to none', () => {
    expect(only(objects({ ingress }), 'Ingress').metadata.annotations).toBeUndefined();
    const annotations = { 'nginx.ingress.kubernetes.io/proxy-body-size': '10m' };
    expect(only(objects({ ingress: { ...ingress, annotations } }), 'Ingress').metadata.annotations).toEqual(annotations);
  });
});

test('the pods have readiness, liveness and startup probes and a preStop delay', () => {
  const c = containerOf(only(objects(), 'Deployment'));
  expect(c.readinessProbe).toBeDefined();
  expect(c.livenessProbe).toBeDefined();
  expect(c.startupProbe).toBeDefined();
  expect(c.readinessProbe).not.toEqual(c.livenessProbe);
  expect(c.lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
});

test('has a Deployment, Service, ServiceAccount and PodDisruptionBudget with readable names', () => {
  const names = objects()
    .filter((o) => o.kind !== 'Namespace')
    .map((o) => `${o.kind}/${o.metadata.name}`)
    .sort();
  expect(names).toEqual([
    'Deployment/tasknote-api',
    'PodDisruptionBudget/tasknote-api',
    'Service/tasknote-api',
    'ServiceAccount/tasknote-api',
  ]);
});

test('exposes the Service, its port and the Ingress as escape hatches', () => {
  const web = new WebService(makeChart(), 'api', webProps({ ingress, servicePort: 8081 }));
  expect(web.service.name).toBe('tasknote-api');
  expect(web.servicePort).toBe(8081);
  expect(web.ingress?.name).toBe('tasknote-api');
});

describe('rules', () => {
  const web = (overrides: Partial<WebServiceProps>) => () => new WebService(makeChart(), 'api', webProps(overrides));

  test('fails when httpPortName names none of the ports', () => {
    expect(web({ httpPortName: 'web' })).toThrow('httpPortName ("web") must name one of ports (["http"])');
    expect(web({ ports: undefined })).toThrow('httpPortName ("http") must name one of ports ([])');
  });

  test('fails when probes are not set', () => {
    expect(web({ probes: undefined })).toThrow('probes must be set: a WebService needs readiness and liveness probes');
  });

  test('fails when servicePort is out of range', () => {
    expect(web({ servicePort: 0 })).toThrow('servicePort (0) must be an integer port from 1 to 65535');
  });

  test('fails when ingress.host is not a DNS host name', () => {
    expect(web({ ingress: { ...ingress, host: '*.example.com' } })).toThrow(
      'ingress.host ("*.example.com") must be a lower-case DNS host name with at least one dot, such as tasknote.example.com',
    );
  });

  test('fails when ingress.className is not a DNS-1123 label', () => {
    expect(web({ ingress: { ...ingress, className: 'Nginx' } })).toThrow('ingress.className ("Nginx") must be a DNS-1123 label');
  });

  test('fails when ingress.tlsSecretName is not a DNS-1123 label', () => {
    expect(web({ ingress: { ...ingress, tlsSecretName: 'TLS_cert' } })).toThrow(
      'ingress.tlsSecretName ("TLS_cert") must be a DNS-1123 label',
    );
  });

  test("fails when an ingress path does not start with '/'", () => {
    expect(web({ ingress: { ...ingress, paths: ['/', 'api'] } })).toThrow('ingress.paths (["/","api"]) must each start with \'/\'');
  });

  test('applies the deployment and pod rules, with the preStop rule', () => {
    expect(web({ replicas: -2 })).toThrow('replicas (-2) must be an integer >= 0');
    expect(web({ preStopDelay: Duration.seconds(40) })).toThrow('preStopDelay (40s) must be shorter than terminationGracePeriod (30s)');
  });

  test('fails with every problem in one error', () => {
    const message = errorOf(
      web({ httpPortName: 'web', probes: undefined, servicePort: 70000, ingress: { ...ingress, host: 'localhost' } }),
    );
    expect(message).toContain("WebService 'api' has invalid props:");
    expect(message.split('\n  - ')).toHaveLength(5);
    expect(message).toContain('httpPortName ("web")');
    expect(message).toContain('probes must be set');
    expect(message).toContain('servicePort (70000)');
    expect(message).toContain('ingress.host ("localhost")');
  });
});

describe('all props', () => {
  const chart = makeChart();
  const config = new AppConfig(chart, 'config', { name: 'tasknote-api-config', component: 'api', data: { LOG_LEVEL: 'info' } });
  const startup: Required<ProbeSpec> = {
    check: { tcp: { port: 'http' } },
    period: Duration.seconds(3),
    timeout: Duration.seconds(1),
    failureThreshold: 40,
    initialDelay: Duration.seconds(2),
  };
  const security: Required<SecurityOverrides> = {
    runAsUser: 20001,
    runAsGroup: 20002,
    fsGroup: 20003,
    addCapabilities: ['NET_BIND_SERVICE'],
  };
  const autoscaling: Required<AutoscalingOptions> = {
    minReplicas: 2,
    maxReplicas: 5,
    targetCpuUtilizationPercent: 60,
    behavior: { scaleDown: { stabilizationWindow: Duration.minutes(10) } },
  };
  const fullIngress: Required<IngressOptions> = {
    host: 'tasknote.example.com',
    className: 'nginx',
    paths: ['/api'],
    tlsSecretName: 'tasknote-tls',
    annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '10m' },
  };
  // `replicas` and `autoscaling` exclude each other: the two objects below cover one each, and
  // both are typed so that a new prop of WebServiceProps fails to compile until it is covered.
  const all: Required<Omit<WebServiceProps, 'replicas'>> = {
    name: 'tasknote-api',
    component: 'api',
    image: DIGEST_IMAGE,
    command: ['node'],
    args: ['main.js'],
    ports: [{ name: 'http', containerPort: 8080 }],
    env: { NODE_ENV: 'production' },
    config: [config],
    resources: {
      cpuRequestMillis: 200,
      cpuLimitMillis: 1000,
      memoryRequestMiB: 256,
      memoryLimitMiB: 512,
      ephemeralStorageRequestMiB: 100,
      ephemeralStorageLimitMiB: 200,
    },
    probes: { ...webProps().probes!, startup },
    writablePaths: ['/tmp', '/var/cache'],
    extraVolumes: [
      { volume: { name: 'files', persistentVolumeClaim: { claimName: 'tasknote-files' } }, mountPath: '/data', readOnly: true },
    ],
    security,
    preStopDelay: Duration.seconds(10),
    preStopCommand: ['/bin/sleep', '10'],
    terminationGracePeriod: Duration.seconds(45),
    zoneSpread: true,
    waivers: { 'some-rule': 'a reason' },
    autoscaling,
    podDisruptionBudget: false,
    httpPortName: 'http',
    servicePort: 8080,
    ingress: fullIngress,
  };
  new WebService(chart, 'api', all);
  const { autoscaling: _unused, ...fixed } = all;
  const withReplicas: Required<Omit<WebServiceProps, 'autoscaling'>> = {
    ...fixed,
    name: 'tasknote-api-fixed',
    ingress: { ...fullIngress, host: 'fixed.example.com' },
    replicas: 3,
  };
  new WebService(chart, 'fixed', withReplicas);
  const output = synth(chart);
  const deploy = only(output, 'Deployment', 'tasknote-api');
  const pod = podTemplateOf(deploy).spec;
  const c = containerOf(deploy);

  test('every prop reaches the output', () => {
    expect(c).toMatchObject({
      image: DIGEST_IMAGE,
      imagePullPolicy: 'IfNotPresent',
      command: ['node'],
      args: ['main.js'],
      env: [{ name: 'NODE_ENV', value: 'production' }],
      envFrom: [{ configMapRef: { name: 'tasknote-api-config', optional: false } }],
      resources: {
        requests: { cpu: '200m', memory: '256Mi', 'ephemeral-storage': '100Mi' },
        limits: { cpu: '1000m', memory: '512Mi', 'ephemeral-storage': '200Mi' },
      },
      startupProbe: { tcpSocket: { port: 'http' }, periodSeconds: 3, timeoutSeconds: 1, failureThreshold: 40, initialDelaySeconds: 2 },
      securityContext: { runAsUser: 20001, runAsGroup: 20002, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } },
      lifecycle: { preStop: { exec: { command: ['/bin/sleep', '10'] } } },
      volumeMounts: [
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'var-cache', mountPath: '/var/cache' },
        { name: 'files', mountPath: '/data', readOnly: true },
      ],
    });
    expect(pod.securityContext.fsGroup).toBe(20003);
    expect(pod.terminationGracePeriodSeconds).toBe(45);
    expect(pod.topologySpreadConstraints).toHaveLength(2);
    expect(podTemplateOf(deploy).metadata.annotations['tasknote.dev/config-hash']).toMatch(/^[0-9a-f]{16}$/);
    expect(deploy.metadata.annotations).toEqual({ 'waive.check.tasknote.dev/some-rule': 'a reason' });
    expect(deploy.spec).not.toHaveProperty('replicas');
    expect(only(output, 'HorizontalPodAutoscaler', 'tasknote-api').spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [{ resource: { target: { averageUtilization: 60 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 600 } },
    });
    expect(ofKind(output, 'PodDisruptionBudget')).toEqual([]);
    expect(only(output, 'Service', 'tasknote-api').spec.ports[0].port).toBe(8080);
    expect(only(output, 'Ingress', 'tasknote-api')).toMatchObject({
      metadata: { annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '10m' } },
      spec: { tls: [{ secretName: 'tasknote-tls' }], rules: [{ http: { paths: [{ path: '/api' }] } }] },
    });
    expect(only(output, 'Deployment', 'tasknote-api-fixed').spec.replicas).toBe(3);
  });
});
