import { App, Chart } from 'cdk8s';
import { EnvironmentChartProps, newApp, PROVIDED_ANNOTATION, waiverAnnotations, Worker } from '../../constructs';
import { makeChart, only, synth, workerProps } from './helpers';

const namespace = (props: Partial<EnvironmentChartProps> = {}) => only(synth(makeChart(props)), 'Namespace');

test('minimal props snapshot', () => {
  expect(synth(makeChart())).toMatchSnapshot();
});

test('creates the namespace, with no provided objects declared yet', () => {
  const ns = namespace();
  expect(ns.apiVersion).toBe('v1');
  expect(ns.metadata.name).toBe('tasknote-test');
  expect(ns.metadata.annotations?.[PROVIDED_ANNOTATION]).toBeUndefined();
});

test("podSecurityLevel defaults to 'restricted' for enforce, audit and warn", () => {
  expect(namespace().metadata.labels).toMatchObject({
    'pod-security.kubernetes.io/enforce': 'restricted',
    'pod-security.kubernetes.io/enforce-version': 'v1.34',
    'pod-security.kubernetes.io/audit': 'restricted',
    'pod-security.kubernetes.io/audit-version': 'v1.34',
    'pod-security.kubernetes.io/warn': 'restricted',
    'pod-security.kubernetes.io/warn-version': 'v1.34',
  });
  expect(namespace({ podSecurityLevel: 'baseline' }).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
});

test("partOf defaults to 'tasknote'", () => {
  expect(makeChart().partOf).toBe('tasknote');
  expect(namespace().metadata.labels['app.kubernetes.io/part-of']).toBe('tasknote');
  expect(namespace({ partOf: 'notes' }).metadata.labels['app.kubernetes.io/part-of']).toBe('notes');
});

test('instance defaults to `${partOf}-${environment}`', () => {
  expect(namespace().metadata.labels['app.kubernetes.io/instance']).toBe('tasknote-test');
  expect(namespace({ partOf: 'notes' }).metadata.labels['app.kubernetes.io/instance']).toBe('notes-test');
  expect(namespace({ instance: 'blue' }).metadata.labels['app.kubernetes.io/instance']).toBe('blue');
});

test('labelsFor gives the standard app.kubernetes.io labels; version only when known', () => {
  const chart = makeChart();
  expect(chart.labelsFor({ name: 'tasknote-api', component: 'api', version: '1.0.0' })).toEqual({
    'app.kubernetes.io/name': 'tasknote-api',
    'app.kubernetes.io/instance': 'tasknote-test',
    'app.kubernetes.io/component': 'api',
    'app.kubernetes.io/part-of': 'tasknote',
    'app.kubernetes.io/version': '1.0.0',
    'app.kubernetes.io/managed-by': 'cdk8s',
  });
  expect(chart.labelsFor({ name: 'x', component: 'y' })).not.toHaveProperty(['app.kubernetes.io/version']);
});

test('selectorFor is the stable subset: name and instance, never version', () => {
  expect(makeChart().selectorFor('tasknote-api')).toEqual({
    'app.kubernetes.io/name': 'tasknote-api',
    'app.kubernetes.io/instance': 'tasknote-test',
  });
});

test('every namespaced object lands in the namespace, under a readable name without hashes', () => {
  const chart = makeChart();
  new Worker(chart, 'worker', workerProps());
  for (const o of synth(chart).filter((x) => x.kind !== 'Namespace')) {
    expect(o.metadata.namespace).toBe('tasknote-test');
    expect(o.metadata.name).toBe('tasknote-worker');
  }
});

test('declareProvided lists objects on the namespace, sorted by kind and name', () => {
  const chart = makeChart();
  chart.declareProvided({ kind: 'Secret', name: 'b', keys: ['k'], description: 'b', providedBy: 'deploy' });
  chart.declareProvided({ kind: 'ConfigMap', name: 'z', keys: ['k'], description: 'z', providedBy: 'controller' });
  chart.declareProvided({ kind: 'Secret', name: 'a', keys: ['k'], description: 'a', providedBy: 'deploy' });
  expect(only(synth(chart), 'Namespace').metadata.annotations[PROVIDED_ANNOTATION]).toBe('ConfigMap/z,Secret/a,Secret/b');
});

test('waiverAnnotations maps rule IDs to waive.check.tasknote.dev annotations', () => {
  expect(waiverAnnotations(undefined)).toEqual({});
  expect(waiverAnnotations({ 'rule-a': 'why' })).toEqual({ 'waive.check.tasknote.dev/rule-a': 'why' });
});

test('newApp gives an App for environment charts', () => {
  expect(newApp()).toBeInstanceOf(App);
});

test('fails when a construct is created outside an EnvironmentChart', () => {
  const chart = new Chart(newApp(), 'plain');
  expect(() => new Worker(chart, 'worker', workerProps())).toThrow('plain/worker must be created inside an EnvironmentChart');
});

describe('rules', () => {
  const build = (overrides: Partial<EnvironmentChartProps>) => () => makeChart(overrides);

  test('fails when namespace is not a DNS-1123 label', () => {
    expect(build({ namespace: 'TaskNote' })).toThrow(
      'namespace ("TaskNote") must be a DNS-1123 label: lower-case letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters',
    );
  });

  test('fails when environment is not a DNS-1123 label', () => {
    expect(build({ environment: 'Prod' })).toThrow('environment ("Prod") must be a DNS-1123 label');
  });

  test.each(['default', 'kube-system'])('fails when namespace is %s', (ns) => {
    expect(build({ namespace: ns })).toThrow(`namespace (${JSON.stringify(ns)}) must not be 'default' or a 'kube-' system namespace`);
  });

  test('fails with every problem in one error', () => {
    expect(build({ namespace: 'A', environment: 'B' })).toThrow(
      /EnvironmentChart 'test' has invalid props:\n {2}- namespace \("A"\)[^]*\n {2}- environment \("B"\)/,
    );
  });
});
