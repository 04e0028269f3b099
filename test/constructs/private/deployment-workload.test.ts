// What WebService and Worker share (constructs/private/deployment-workload.ts): the Deployment,
// its ServiceAccount, the HPA and the PodDisruptionBudget, with their defaults and rules.
import { Duration } from 'cdk8s';
import { PropsValidationError, WebService, Worker, WorkerProps } from '../../../constructs';
import { errorOf, makeChart, Manifest, ofKind, only, synth, webProps, workerProps } from '../helpers';

function workerObjects(overrides: Partial<WorkerProps> = {}): Manifest[] {
  const chart = makeChart();
  new Worker(chart, 'worker', workerProps(overrides));
  return synth(chart);
}

const autoscaling = { minReplicas: 2, maxReplicas: 6 };

describe('DeploymentWorkloadProps defaults', () => {
  test('replicas defaults to 1 when autoscaling is unset', () => {
    expect(only(workerObjects(), 'Deployment').spec.replicas).toBe(1);
  });

  test('a deliberate replicas of 0 is kept', () => {
    expect(only(workerObjects({ replicas: 0 }), 'Deployment').spec.replicas).toBe(0);
  });

  test('autoscaling defaults to none: no HorizontalPodAutoscaler', () => {
    expect(ofKind(workerObjects(), 'HorizontalPodAutoscaler')).toEqual([]);
  });

  test('podDisruptionBudget defaults to true: a PDB with maxUnavailable 1 selecting the pods', () => {
    const pdb = only(workerObjects(), 'PodDisruptionBudget', 'tasknote-worker');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'tasknote-worker', 'app.kubernetes.io/instance': 'tasknote-test' } },
    });
  });

  test('podDisruptionBudget false leaves the PDB out', () => {
    expect(ofKind(workerObjects({ podDisruptionBudget: false }), 'PodDisruptionBudget')).toEqual([]);
  });
});

describe('AutoscalingOptions defaults', () => {
  const hpa = (overrides: Partial<WorkerProps['autoscaling']> = {}) =>
    only(workerObjects({ autoscaling: { ...autoscaling, ...overrides } }), 'HorizontalPodAutoscaler', 'tasknote-worker');

  test('the HPA is autoscaling/v2 and targets the Deployment', () => {
    const h = hpa();
    expect(h.apiVersion).toBe('autoscaling/v2');
    expect(h.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'tasknote-worker' });
    expect([h.spec.minReplicas, h.spec.maxReplicas]).toEqual([2, 6]);
  });

  test('targetCpuUtilizationPercent defaults to 70', () => {
    expect(hpa().spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
    ]);
    expect(hpa({ targetCpuUtilizationPercent: 55 }).spec.metrics[0].resource.target.averageUtilization).toBe(55);
  });

  test('behavior defaults: scale up at once by 100 % or 4 pods a minute, down after 5 minutes by 50 % a minute', () => {
    expect(hpa().spec.behavior).toEqual({
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Percent', value: 100, periodSeconds: 60 },
          { type: 'Pods', value: 4, periodSeconds: 60 },
        ],
      },
      scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Min', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
    });
  });

  test('each part of the behavior can be tuned alone; the rest keeps its default', () => {
    const behavior = hpa({
      behavior: {
        scaleUp: { policies: [{ type: 'Pods', value: 2, period: Duration.seconds(30) }] },
        scaleDown: { stabilizationWindow: Duration.minutes(10), selectPolicy: 'Disabled' },
      },
    }).spec.behavior;
    expect(behavior.scaleUp).toEqual({ stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodSeconds: 30 }] });
    expect(behavior.scaleDown).toEqual({ stabilizationWindowSeconds: 600, selectPolicy: 'Disabled', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] });
  });

  test("fails on a behavior the API server refuses, naming each field", () => {
    expect(
      errorOf(() =>
        workerObjects({
          autoscaling: {
            ...autoscaling,
            behavior: { scaleUp: { stabilizationWindow: Duration.hours(2), policies: [{ type: 'Pods', value: 0, period: Duration.minutes(31) }] } },
          },
        }),
      ),
    ).toBe(
      "Worker 'worker' has invalid props:\n" +
        '  - autoscaling.behavior.scaleUp.stabilizationWindowSeconds (7200) must be an integer from 0 to 3600\n' +
        '  - autoscaling.behavior.scaleUp.policies.0.value (0) must be an integer >= 1\n' +
        '  - autoscaling.behavior.scaleUp.policies.0.periodSeconds (1860) must be an integer from 1 to 1800',
    );
  });

  test('an autoscaled Deployment sets no replicas', () => {
    expect(only(workerObjects({ autoscaling }), 'Deployment').spec).not.toHaveProperty('replicas');
  });
});

describe('the Deployment', () => {
  test('rolls out without taking pods down first', () => {
    expect(only(workerObjects(), 'Deployment').spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' },
    });
  });

  test('selects its pods by name and instance, never by version', () => {
    const deploy = only(workerObjects(), 'Deployment');
    expect(deploy.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'tasknote-worker',
      'app.kubernetes.io/instance': 'tasknote-test',
    });
    expect(deploy.spec.template.metadata.labels['app.kubernetes.io/version']).toBe('1.2.3');
  });

  test('every object has the readable name of the workload, without hashes', () => {
    const names = workerObjects({ autoscaling })
      .filter((o) => o.kind !== 'Namespace')
      .map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names.sort()).toEqual([
      'Deployment/tasknote-worker',
      'HorizontalPodAutoscaler/tasknote-worker',
      'PodDisruptionBudget/tasknote-worker',
      'ServiceAccount/tasknote-worker',
    ]);
  });

  test('the escape hatches expose what was built', () => {
    const worker = new Worker(makeChart(), 'worker', workerProps({ autoscaling }));
    expect(worker.deployment.name).toBe('tasknote-worker');
    expect(worker.serviceAccount.name).toBe('tasknote-worker');
    expect(worker.autoscaler?.name).toBe('tasknote-worker');
    expect(worker.disruptionBudget?.name).toBe('tasknote-worker');
    expect(worker.selectorLabels).toEqual({ 'app.kubernetes.io/name': 'tasknote-worker', 'app.kubernetes.io/instance': 'tasknote-test' });
  });
});

describe('deployment rules', () => {
  const worker = (overrides: Partial<WorkerProps>) => () => new Worker(makeChart(), 'worker', workerProps(overrides));

  test('fails when name is not a DNS-1123 label', () => {
    expect(worker({ name: 'Tasknote_Worker' })).toThrow(
      'name ("Tasknote_Worker") must be a DNS-1123 label: lower-case letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters',
    );
  });

  test('fails when replicas and autoscaling are both set', () => {
    expect(worker({ replicas: 2, autoscaling })).toThrow("set either 'replicas' or 'autoscaling', not both");
  });

  test('fails when replicas is negative', () => {
    expect(worker({ replicas: -1 })).toThrow('replicas (-1) must be an integer >= 0');
  });

  test('fails when replicas is not an integer', () => {
    expect(worker({ replicas: 1.5 })).toThrow('replicas (1.5) must be an integer >= 0');
  });

  test('fails when autoscaling.minReplicas is below 1', () => {
    expect(worker({ autoscaling: { minReplicas: 0, maxReplicas: 3 } })).toThrow('autoscaling.minReplicas (0) must be an integer >= 1');
  });

  test('fails when autoscaling.minReplicas exceeds autoscaling.maxReplicas', () => {
    expect(worker({ autoscaling: { minReplicas: 5, maxReplicas: 2 } })).toThrow(
      'autoscaling.minReplicas (5) must be <= autoscaling.maxReplicas (2)',
    );
  });

  test.each([0, 101, 50.5])('fails when autoscaling.targetCpuUtilizationPercent is %p', (target) => {
    expect(worker({ autoscaling: { ...autoscaling, targetCpuUtilizationPercent: target } })).toThrow(
      `autoscaling.targetCpuUtilizationPercent (${target}) must be an integer from 1 to 100`,
    );
  });

  test('fails with every problem in one error, naming the construct', () => {
    let error: unknown;
    try {
      new WebService(
        makeChart(),
        'api',
        webProps({ name: 'API', replicas: 2, autoscaling: { minReplicas: 0, maxReplicas: 3 }, image: 'api' }),
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PropsValidationError);
    const problems = (error as PropsValidationError).problems;
    expect(problems).toEqual([
      expect.stringContaining('name ("API")'),
      "set either 'replicas' or 'autoscaling', not both",
      'autoscaling.minReplicas (0) must be an integer >= 1',
      expect.stringContaining('image ("api") must be pinned by a tag or a digest'),
    ]);
    expect((error as Error).message).toMatch(/^WebService 'api' has invalid props:\n {2}- name \("API"\)/);
  });

  test('fails before anything is added to the chart', () => {
    const chart = makeChart();
    expect(errorOf(() => new Worker(chart, 'worker', workerProps({ replicas: -1 })))).toContain('replicas (-1)');
    expect(chart.node.tryFindChild('worker')).toBeUndefined();
  });
});
