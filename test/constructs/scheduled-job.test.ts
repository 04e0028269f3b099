import { Duration } from 'cdk8s';
import { AppConfig, ScheduledJob, ScheduledJobProps } from '../../constructs';
import { containerOf, DIGEST_IMAGE, errorOf, makeChart, Manifest, only, podTemplateOf, scheduledProps, synth } from './helpers';

function cronJob(overrides: Partial<ScheduledJobProps> = {}): Manifest {
  const chart = makeChart();
  new ScheduledJob(chart, 'summary', scheduledProps(overrides));
  return only(synth(chart), 'CronJob', 'tasknote-summary');
}

const build = (overrides: Partial<ScheduledJobProps>) => () => new ScheduledJob(makeChart(), 'summary', scheduledProps(overrides));

test('minimal props snapshot', () => {
  const chart = makeChart();
  new ScheduledJob(chart, 'summary', scheduledProps());
  expect(synth(chart)).toMatchSnapshot();
});

test('is a batch/v1 CronJob on the given schedule, not suspended', () => {
  const cj = cronJob();
  expect(cj.apiVersion).toBe('batch/v1');
  expect(cj.spec.schedule).toBe('0 6 * * *');
  expect(cj.spec.suspend).toBe(false);
});

test("timeZone defaults to 'UTC'", () => {
  expect(cronJob().spec.timeZone).toBe('UTC');
  expect(cronJob({ timeZone: 'Europe/Berlin' }).spec.timeZone).toBe('Europe/Berlin');
});

test("concurrencyPolicy defaults to 'Forbid'", () => {
  expect(cronJob().spec.concurrencyPolicy).toBe('Forbid');
  expect(cronJob({ concurrencyPolicy: 'Replace' }).spec.concurrencyPolicy).toBe('Replace');
});

test('startingDeadline defaults to 5 minutes (300 s)', () => {
  expect(cronJob().spec.startingDeadlineSeconds).toBe(300);
  expect(cronJob({ startingDeadline: Duration.seconds(10) }).spec.startingDeadlineSeconds).toBe(10);
});

test('successfulJobsHistoryLimit defaults to 3', () => {
  expect(cronJob().spec.successfulJobsHistoryLimit).toBe(3);
  expect(cronJob({ successfulJobsHistoryLimit: 0 }).spec.successfulJobsHistoryLimit).toBe(0);
});

test('failedJobsHistoryLimit defaults to 3', () => {
  expect(cronJob().spec.failedJobsHistoryLimit).toBe(3);
  expect(cronJob({ failedJobsHistoryLimit: 0 }).spec.failedJobsHistoryLimit).toBe(0);
});

test('the Job template is bounded: backoffLimit 2, activeDeadlineSeconds 1800, ttlSecondsAfterFinished 86400', () => {
  expect(cronJob().spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 1800, ttlSecondsAfterFinished: 86400 });
});

test('the Job template and its pods carry the standard labels', () => {
  const cj = cronJob();
  expect(cj.spec.jobTemplate.metadata.labels).toEqual(cj.metadata.labels);
  expect(podTemplateOf(cj).metadata.labels['app.kubernetes.io/name']).toBe('tasknote-summary');
});

describe('rules', () => {
  test('fails when schedule does not have 5 fields', () => {
    expect(build({ schedule: '0 6 * *' })).toThrow(
      "schedule (\"0 6 * *\") must be a cron schedule as Kubernetes takes it: 'minute hour day-of-month month day-of-week'",
    );
  });

  test('fails when schedule has an out-of-range field', () => {
    expect(build({ schedule: '0 25 * * *' })).toThrow('here: end of range (25) above maximum (23): 25');
  });

  test('fails when timeZone is not an IANA time zone', () => {
    expect(build({ timeZone: 'Mars/Olympus' })).toThrow(
      "timeZone (\"Mars/Olympus\") must be a tz database name such as 'Europe/Berlin' or 'UTC'",
    );
  });

  test('fails when startingDeadline is under 10 seconds', () => {
    expect(build({ startingDeadline: Duration.seconds(5) })).toThrow(
      'startingDeadline (5s) must be at least 10 seconds (the controller checks every 10s)',
    );
  });

  test('applies the job rules', () => {
    expect(build({ backoffLimit: -1 })).toThrow('backoffLimit (-1) must be an integer >= 0');
  });

  test('fails with every problem in one error', () => {
    const message = errorOf(build({ schedule: '* *', timeZone: 'est', startingDeadline: Duration.seconds(1), image: 'x:latest' }));
    expect(message).toContain("ScheduledJob 'summary' has invalid props:");
    expect(message.split('\n  - ')).toHaveLength(5);
  });
});

test('all props', () => {
  const chart = makeChart();
  const config = new AppConfig(chart, 'config', { name: 'tasknote-summary-config', component: 'summary', data: { HOUR: '6' } });
  // Typed Required<> so a new ScheduledJobProps prop fails to compile until it is covered here.
  const all: Required<ScheduledJobProps> = {
    name: 'tasknote-summary',
    component: 'summary',
    image: DIGEST_IMAGE,
    command: ['node'],
    args: ['summary.js'],
    ports: [{ name: 'metrics', containerPort: 9090 }],
    env: { MODE: 'daily' },
    config: [config],
    resources: {
      cpuRequestMillis: 50,
      cpuLimitMillis: 100,
      memoryRequestMiB: 64,
      memoryLimitMiB: 128,
      ephemeralStorageRequestMiB: 10,
      ephemeralStorageLimitMiB: 20,
    },
    probes: { readiness: { check: { exec: ['true'] } }, liveness: { check: { exec: ['true'] } }, startup: { check: { exec: ['ready'] } } },
    writablePaths: ['/tmp', '/work'],
    extraVolumes: [{ volume: { name: 'scratch', emptyDir: {} }, mountPath: '/scratch', readOnly: false }],
    security: { runAsUser: 20001, runAsGroup: 20002, fsGroup: 20003, addCapabilities: [] },
    preStopDelay: Duration.seconds(3),
    preStopCommand: ['/bin/true'],
    terminationGracePeriod: Duration.seconds(20),
    zoneSpread: true,
    waivers: { 'cronjob-replace': 'reason' },
    backoffLimit: 0,
    activeDeadline: Duration.minutes(10),
    ttlAfterFinished: Duration.hours(2),
    schedule: '30 5 * * 1-5',
    timeZone: 'Europe/Berlin',
    concurrencyPolicy: 'Replace',
    startingDeadline: Duration.minutes(1),
    successfulJobsHistoryLimit: 1,
    failedJobsHistoryLimit: 5,
  };
  new ScheduledJob(chart, 'summary', all);
  const cj = only(synth(chart), 'CronJob');
  expect(cj.metadata.annotations).toEqual({ 'waive.check.tasknote.dev/cronjob-replace': 'reason' });
  expect(cj.spec).toMatchObject({
    schedule: '30 5 * * 1-5',
    timeZone: 'Europe/Berlin',
    concurrencyPolicy: 'Replace',
    startingDeadlineSeconds: 60,
    successfulJobsHistoryLimit: 1,
    failedJobsHistoryLimit: 5,
    jobTemplate: { spec: { backoffLimit: 0, activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 7200 } },
  });
  const pod = podTemplateOf(cj);
  expect(pod.spec).toMatchObject({
    terminationGracePeriodSeconds: 20,
    securityContext: { runAsUser: 20001, runAsGroup: 20002, fsGroup: 20003 },
    restartPolicy: 'Never',
  });
  expect(pod.spec.topologySpreadConstraints).toHaveLength(2);
  expect(pod.metadata.annotations['tasknote.dev/config-hash']).toMatch(/^[0-9a-f]{16}$/);
  const c = containerOf(cj);
  expect(c).toMatchObject({
    image: DIGEST_IMAGE,
    imagePullPolicy: 'IfNotPresent',
    command: ['node'],
    args: ['summary.js'],
    ports: [{ name: 'metrics', containerPort: 9090 }],
    env: [{ name: 'MODE', value: 'daily' }],
    envFrom: [{ configMapRef: { name: 'tasknote-summary-config' } }],
    resources: { limits: { cpu: '100m' } },
    startupProbe: { exec: { command: ['ready'] } },
  });
  expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'] });
  expect(c.volumeMounts.map((m: Manifest) => m.mountPath)).toEqual(['/tmp', '/work', '/scratch']);
  // Batch pods serve no traffic: preStopDelay and preStopCommand have no effect.
  expect(c).not.toHaveProperty('lifecycle');
});
