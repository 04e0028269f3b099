import { MigrationJob, MigrationJobProps, RUNS_BEFORE_ANNOTATION, Worker } from '../../constructs';
import { errorOf, makeChart, Manifest, migrationProps, only, podTemplateOf, synth, webProps, workerProps } from './helpers';

function job(overrides: Partial<MigrationJobProps> = {}): Manifest {
  const chart = makeChart();
  new MigrationJob(chart, 'migrate', migrationProps(overrides));
  return only(synth(chart), 'Job', 'tasknote-migrate');
}

test('minimal props snapshot', () => {
  const chart = makeChart();
  new MigrationJob(chart, 'migrate', migrationProps());
  expect(synth(chart)).toMatchSnapshot();
});

test('is a batch/v1 Job with bounded retries, a deadline and clean-up', () => {
  const j = job();
  expect(j.apiVersion).toBe('batch/v1');
  expect(j.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 1800, ttlSecondsAfterFinished: 86400 });
  expect(podTemplateOf(j).spec.restartPolicy).toBe('Never');
});

test('runsBefore defaults to none: no runs-before annotation', () => {
  expect(job().metadata.annotations).toBeUndefined();
});

test('runsBefore names the workloads that wait for the migration', () => {
  const chart = makeChart();
  const worker = new Worker(chart, 'worker', workerProps());
  new MigrationJob(chart, 'migrate', migrationProps({ runsBefore: [{ name: webProps().name, selectorLabels: {} }, worker] }));
  expect(only(synth(chart), 'Job').metadata.annotations).toEqual({ [RUNS_BEFORE_ANNOTATION]: 'tasknote-api,tasknote-worker' });
});

test('waivers and runsBefore annotations are merged', () => {
  const j = job({ runsBefore: [{ name: 'tasknote-api', selectorLabels: {} }], waivers: { 'job-ttl': 'keep logs' } });
  expect(j.metadata.annotations).toEqual({ [RUNS_BEFORE_ANNOTATION]: 'tasknote-api', 'waive.check.tasknote.dev/job-ttl': 'keep logs' });
});

test('fails with the job rules, all at once', () => {
  const message = errorOf(() => new MigrationJob(makeChart(), 'migrate', migrationProps({ name: 'Migrate', backoffLimit: -3 })));
  expect(message).toBe(
    "MigrationJob 'migrate' has invalid props:\n" +
      '  - name ("Migrate") must be a DNS-1123 label: lower-case letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters\n' +
      '  - backoffLimit (-3) must be an integer >= 0',
  );
});
