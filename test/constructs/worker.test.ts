import { Duration } from 'cdk8s';
import { Worker, WorkerProps } from '../../constructs';
import { containerOf, errorOf, HTTP_PROBES, makeChart, Manifest, ofKind, only, synth, workerProps } from './helpers';

function objects(overrides: Partial<WorkerProps> = {}): Manifest[] {
  const chart = makeChart();
  new Worker(chart, 'worker', workerProps(overrides));
  return synth(chart);
}

test('minimal props snapshot', () => {
  expect(objects()).toMatchSnapshot();
});

test('has a Deployment, a ServiceAccount and a PodDisruptionBudget, and no Service', () => {
  const all = objects();
  expect(only(all, 'Deployment').metadata.name).toBe('tasknote-worker');
  expect(only(all, 'ServiceAccount').metadata.name).toBe('tasknote-worker');
  expect(only(all, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  expect(ofKind(all, 'Service')).toEqual([]);
});

test('probes are optional and, when given, all three are set', () => {
  expect(containerOf(only(objects(), 'Deployment'))).not.toHaveProperty('readinessProbe');
  const c = containerOf(only(objects({ ports: [{ name: 'http', containerPort: 8081 }], probes: HTTP_PROBES }), 'Deployment'));
  expect(c.readinessProbe.httpGet.path).toBe('/ready');
  expect(c.livenessProbe.httpGet.path).toBe('/live');
  expect(c.startupProbe.httpGet.path).toBe('/live');
});

test('has no preStop hook: it serves no traffic', () => {
  expect(containerOf(only(objects(), 'Deployment'))).not.toHaveProperty('lifecycle');
});

test('labels the pods with component worker and the image version', () => {
  expect(only(objects(), 'Deployment').spec.template.metadata.labels).toEqual({
    'app.kubernetes.io/name': 'tasknote-worker',
    'app.kubernetes.io/instance': 'tasknote-test',
    'app.kubernetes.io/component': 'worker',
    'app.kubernetes.io/part-of': 'tasknote',
    'app.kubernetes.io/version': '1.2.3',
    'app.kubernetes.io/managed-by': 'cdk8s',
  });
});

test('fails with deployment and pod rules, but not the preStop rule', () => {
  const message = errorOf(
    () =>
      new Worker(
        makeChart(),
        'worker',
        workerProps({ replicas: 1, autoscaling: { minReplicas: 1, maxReplicas: 2 }, preStopDelay: Duration.minutes(5) }),
      ),
  );
  expect(message).toBe("Worker 'worker' has invalid props:\n  - set either 'replicas' or 'autoscaling', not both");
});
