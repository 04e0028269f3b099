// Shared test data for the deploy tests: environments, kubeconfigs and a small synthesized stack.
import { stringify } from 'yaml';
import type { DeployEnvironment } from '../../deploy/program';
import type { KubeObject } from '../../core/kube-object';
import { DEPLOY_ROLE_ANNOTATION, type DeployRole } from '../../core/deploy-role';

/** A valid environment, as far as the deploy reads one; tests override what they exercise. */
export function testEnvironment(overrides: Partial<DeployEnvironment> = {}): DeployEnvironment {
  return {
    name: 'dev',
    namespace: 'tasknote-dev',
    cluster: { kind: 'kind', context: 'kind-tasknote', server: 'https://127.0.0.1' },
    registry: 'localhost:5001',
    imageSource: 'build',
    ingress: { host: 'tasknote.localhost' },
    ...overrides,
  };
}

/** A kubeconfig whose contexts each point at their own cluster and server. */
export function kubeconfigText(contexts: { name: string; server: string }[], current?: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': current ?? contexts[0]?.name,
    clusters: contexts.map((c) => ({ name: `${c.name}-cluster`, cluster: { server: c.server, 'certificate-authority-data': 'Q0EK' } })),
    contexts: contexts.map((c) => ({ name: c.name, context: { cluster: `${c.name}-cluster`, user: `${c.name}-user` } })),
    users: contexts.map((c) => ({ name: `${c.name}-user`, user: { token: `token-of-${c.name}` } })),
  });
}

const labels = (component: string, name: string) => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/component': component,
  'app.kubernetes.io/part-of': 'tasknote',
});

const role = (r: DeployRole) => ({ [DEPLOY_ROLE_ANNOTATION]: r });

function workload(kind: string, name: string, component: string, image: string, ns: string, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace: ns, labels: labels(component, name), ...(annotations ? { annotations } : {}) },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: { metadata: { labels: labels(component, name) }, spec: { containers: [{ name: 'main', image }] } },
    },
  };
}

function service(name: string, ns: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { selector: { 'app.kubernetes.io/name': name }, ports: [{ port: 80 }] },
  };
}

/** A stack shaped like app/stack.ts output, in scrambled order, with the given images. */
export function smallStack(ns: string, images: { api: string; worker: string }): KubeObject[] {
  return [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace: ns },
      spec: { podSelector: {} },
    },
    workload('Deployment', 'tasknote-api', 'api', images.api, ns),
    service('tasknote-api', ns),
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'tasknote-migrate', namespace: ns, labels: labels('migrate', 'tasknote-migrate'), annotations: role('migration') },
      spec: { template: { spec: { containers: [{ name: 'migrate', image: images.api }], restartPolicy: 'Never' } } },
    },
    workload('StatefulSet', 'tasknote-postgres', 'database', 'postgres:16.4', ns, role('datastore')),
    service('tasknote-postgres', ns),
    workload('Deployment', 'tasknote-redis', 'cache', 'redis:7.4.1', ns, role('datastore')),
    service('tasknote-redis', ns),
    workload('Deployment', 'tasknote-worker', 'worker', images.worker, ns),
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tasknote-daily-summary', namespace: ns },
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'summary', image: images.api }] } } } } },
    },
    { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'tasknote-api', namespace: ns }, spec: {} },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'tasknote-api', namespace: ns }, spec: {} },
    { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'tasknote', namespace: ns }, spec: {} },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'tasknote-backups', namespace: ns }, spec: {} },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tasknote-api', namespace: ns }, data: { LOG_LEVEL: 'debug' } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'tasknote-api', namespace: ns } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
  ];
}

export const REQUIRED_SECRETS = [
  { id: 'database', name: 'tasknote-database', keys: ['password'], description: 'PostgreSQL password' },
  { id: 'admin', name: 'tasknote-admin', keys: ['token'], description: 'admin API token' },
  { id: 'smtp', name: 'tasknote-smtp', keys: ['username', 'password'], description: 'SMTP relay login' },
];
