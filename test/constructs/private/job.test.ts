// The Job spec MigrationJob and ScheduledJob share (constructs/private/job.ts): JobProps defaults
// and jobRules, checked through both constructs.
import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentChart, MigrationJob, ScheduledJob } from '../../../constructs';
import type { JobProps } from '../../../constructs/private/job';
import { containerOf, makeChart, Manifest, only, podTemplateOf, synth, TAG_IMAGE, RESOURCES } from '../helpers';

const base: JobProps = { name: 'tasknote-batch', component: 'batch', image: TAG_IMAGE, resources: RESOURCES };

interface Kind {
  readonly make: (scope: Construct, props: JobProps) => Construct;
  /** The Job spec inside the synthesized object. */
  readonly jobSpec: (objects: Manifest[]) => Manifest;
  readonly workload: (objects: Manifest[]) => Manifest;
}

const kinds: [string, Kind][] = [
  [
    'MigrationJob',
    {
      make: (scope, props) => new MigrationJob(scope, 'job', props),
      jobSpec: (objects) => only(objects, 'Job').spec,
      workload: (objects) => only(objects, 'Job'),
    },
  ],
  [
    'ScheduledJob',
    {
      make: (scope, props) => new ScheduledJob(scope, 'job', { ...props, schedule: '0 6 * * *' }),
      jobSpec: (objects) => only(objects, 'CronJob').spec.jobTemplate.spec,
      workload: (objects) => only(objects, 'CronJob'),
    },
  ],
];

describe.each(kinds)('%s', (_name, kind) => {
  const objects = (overrides: Partial<JobProps> = {}, chart: EnvironmentChart = makeChart()) => {
    kind.make(chart, { ...base, ...overrides });
    return synth(chart);
  };

  test('backoffLimit defaults to 2', () => {
    expect(kind.jobSpec(objects()).backoffLimit).toBe(2);
    expect(kind.jobSpec(objects({ backoffLimit: 0 })).backoffLimit).toBe(0);
  });

  test('activeDeadline defaults to 30 minutes (1800 s)', () => {
    expect(kind.jobSpec(objects()).activeDeadlineSeconds).toBe(1800);
    expect(kind.jobSpec(objects({ activeDeadline: Duration.minutes(5) })).activeDeadlineSeconds).toBe(300);
  });

  test('ttlAfterFinished defaults to 1 day (86400 s)', () => {
    expect(kind.jobSpec(objects()).ttlSecondsAfterFinished).toBe(86400);
    expect(kind.jobSpec(objects({ ttlAfterFinished: Duration.hours(1) })).ttlSecondsAfterFinished).toBe(3600);
  });

  test('pods never restart in place, carry no probes and no preStop hook', () => {
    const workload = kind.workload(objects());
    expect(podTemplateOf(workload).spec.restartPolicy).toBe('Never');
    expect(containerOf(workload)).not.toHaveProperty('readinessProbe');
    expect(containerOf(workload)).not.toHaveProperty('lifecycle');
  });

  test('pods are hardened and run under a dedicated ServiceAccount without a token', () => {
    const all = objects();
    const pod = podTemplateOf(kind.workload(all));
    expect(pod.spec.serviceAccountName).toBe('tasknote-batch');
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(containerOf(kind.workload(all)).securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(only(all, 'ServiceAccount', 'tasknote-batch').automountServiceAccountToken).toBe(false);
  });

  test('fails when name is not a DNS-1123 label', () => {
    expect(() => objects({ name: 'batch.job' })).toThrow('name ("batch.job") must be a DNS-1123 label');
  });

  test('fails when backoffLimit is negative', () => {
    expect(() => objects({ backoffLimit: -1 })).toThrow('backoffLimit (-1) must be an integer >= 0');
  });

  test('fails when backoffLimit is not an integer', () => {
    expect(() => objects({ backoffLimit: 2.5 })).toThrow('backoffLimit (2.5) must be an integer >= 0');
  });

  test('fails when activeDeadline is under 1 second', () => {
    expect(() => objects({ activeDeadline: Duration.seconds(0) })).toThrow('activeDeadline (0s) must be at least 1 second');
  });

  test('fails when a pod rule breaks (pod rules apply to jobs)', () => {
    expect(() => objects({ resources: { ...RESOURCES, memoryLimitMiB: 64 } })).toThrow(
      'resources.memoryLimitMiB (64) must be >= resources.memoryRequestMiB (128)',
    );
  });

  test('has no preStop rule: batch pods do not serve traffic', () => {
    expect(() => objects({ preStopDelay: Duration.seconds(60), terminationGracePeriod: Duration.seconds(10) })).not.toThrow();
  });
});
