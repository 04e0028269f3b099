import { DEPLOY_ROLE_ANNOTATION } from '../../core/deploy-role';
import { MigrationJob, MigrationJobProps } from '../../constructs';
import { errorOf, makeChart, Manifest, migrationProps, only, podTemplateOf, synth } from './helpers';

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

test('declares the deploy role migration, which the deploy waves read', () => {
  expect(job().metadata.annotations).toEqual({ [DEPLOY_ROLE_ANNOTATION]: 'migration' });
});

test('waivers and the deploy role annotation are merged', () => {
  const j = job({ waivers: { 'job-ttl': 'keep logs' } });
  expect(j.metadata.annotations).toEqual({ [DEPLOY_ROLE_ANNOTATION]: 'migration', 'waive.check.tasknote.dev/job-ttl': 'keep logs' });
});

test('fails with the job rules, all at once', () => {
  const message = errorOf(() => new MigrationJob(makeChart(), 'migrate', migrationProps({ name: 'Migrate', backoffLimit: -3 })));
  expect(message).toBe(
    "MigrationJob 'migrate' has invalid props:\n" +
      '  - name ("Migrate") must be a DNS-1123 label: lower-case letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters\n' +
      '  - backoffLimit (-3) must be an integer >= 0',
  );
});
