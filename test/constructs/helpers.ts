// Shared fixtures of the construct tests: a fresh EnvironmentChart, synthesis to plain objects,
// and small finders over the synthesized manifests.
import { EnvironmentChart, EnvironmentChartProps, newApp } from '../../constructs';
import type { MigrationJobProps, ProbeSet, ResourceSpec, ScheduledJobProps, WebServiceProps, WorkerProps } from '../../constructs';

/** A Kubernetes object as synthesized: plain JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Manifest = Record<string, any>;

/** An image pinned by tag only. */
export const TAG_IMAGE = 'registry.example.com/tasknote/api:1.2.3';
/** A 64-hex digest, valid for image references. */
export const DIGEST = `sha256:${'a'.repeat(64)}`;
/** An image pinned by tag and digest. */
export const DIGEST_IMAGE = `registry.example.com/tasknote/api:1.2.3@${DIGEST}`;

/** Resources with a distinct value in each field, so a swapped field shows up. */
export const RESOURCES: ResourceSpec = {
  cpuRequestMillis: 100,
  cpuLimitMillis: 500,
  memoryRequestMiB: 128,
  memoryLimitMiB: 256,
  ephemeralStorageRequestMiB: 64,
  ephemeralStorageLimitMiB: 128,
};

/** An EnvironmentChart of environment `test` in namespace `tasknote-test`, in a fresh App. */
export function makeChart(props: Partial<EnvironmentChartProps> = {}): EnvironmentChart {
  return new EnvironmentChart(newApp(), 'test', { environment: 'test', namespace: 'tasknote-test', ...props });
}

/** Every object of the chart, as the manifests would hold it. */
export function synth(chart: EnvironmentChart): Manifest[] {
  return chart.toJson() as Manifest[];
}

/** The only object of `kind` (and `name`, when given); fails when there is not exactly one. */
export function only(objects: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = ofKind(objects, kind).filter((o) => name === undefined || o.metadata.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  }
  return found[0];
}

/** Every object of `kind`. */
export function ofKind(objects: readonly Manifest[], kind: string): Manifest[] {
  return objects.filter((o) => o.kind === kind);
}

/** The pod template of a Deployment, StatefulSet, Job or CronJob. */
export function podTemplateOf(workload: Manifest): Manifest {
  return workload.kind === 'CronJob' ? workload.spec.jobTemplate.spec.template : workload.spec.template;
}

/** The first (only) container of a workload. */
export function containerOf(workload: Manifest): Manifest {
  return podTemplateOf(workload).spec.containers[0];
}

/** The message of the error `fn` throws; fails when it does not throw. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error, none was thrown');
}

/** Probes on the named port `http`, distinct paths so each probe is recognisable. */
export const HTTP_PROBES: ProbeSet = {
  readiness: { check: { http: { path: '/ready', port: 'http' } } },
  liveness: { check: { http: { path: '/live', port: 'http' } } },
};

/** The least a WebService needs. */
export function webProps(overrides: Partial<WebServiceProps> = {}): WebServiceProps {
  return {
    name: 'tasknote-api',
    component: 'api',
    image: TAG_IMAGE,
    httpPortName: 'http',
    ports: [{ name: 'http', containerPort: 8080 }],
    resources: RESOURCES,
    probes: HTTP_PROBES,
    ...overrides,
  };
}

/** The least a Worker needs. */
export function workerProps(overrides: Partial<WorkerProps> = {}): WorkerProps {
  return { name: 'tasknote-worker', component: 'worker', image: TAG_IMAGE, resources: RESOURCES, ...overrides };
}

/** The least a MigrationJob needs. */
export function migrationProps(overrides: Partial<MigrationJobProps> = {}): MigrationJobProps {
  return { name: 'tasknote-migrate', component: 'migration', image: TAG_IMAGE, resources: RESOURCES, ...overrides };
}

/** The least a ScheduledJob needs. */
export function scheduledProps(overrides: Partial<ScheduledJobProps> = {}): ScheduledJobProps {
  return {
    name: 'tasknote-summary',
    component: 'summary',
    image: TAG_IMAGE,
    schedule: '0 6 * * *',
    resources: RESOURCES,
    ...overrides,
  };
}
