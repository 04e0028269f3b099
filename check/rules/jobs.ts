// Jobs and CronJobs: bounded retries, run time and history; no overlapping scheduled runs.
import { asRecord } from '../model';
import { kindRule, type Rule } from '../rule';
import type { FieldPath, SourcedObject } from '../types';

/** The Job spec of a Job, or the job template spec of a CronJob. */
function jobSpec(item: SourcedObject): { spec: Record<string, unknown>; path: FieldPath } {
  return item.object.kind === 'CronJob'
    ? { spec: asRecord(item.object.spec?.jobTemplate?.spec), path: ['spec', 'jobTemplate', 'spec'] }
    : { spec: asRecord(item.object.spec), path: ['spec'] };
}

function jobField(id: string, field: string, description: string, fix: string): Rule {
  return kindRule({ id, severity: 'error', description, source: 'KL' }, ['Job', 'CronJob'], function* (item) {
    const { spec, path } = jobSpec(item);
    if (spec[field] === undefined) yield { path: [...path, field], found: `${field} is not set`, fix };
  });
}

function cronField(
  id: string,
  check: (spec: Record<string, unknown>) => { found: string; fix: string; field: string } | undefined,
  description: string,
): Rule {
  return kindRule({ id, severity: 'error', description, source: 'KS' }, ['CronJob'], function* (item) {
    const v = check(asRecord(item.object.spec));
    if (v) yield { path: ['spec', v.field], found: v.found, fix: v.fix };
  });
}

export const JOB_RULES: Rule[] = [
  cronField(
    'cronjob-concurrency-policy',
    (s) =>
      s.concurrencyPolicy === 'Forbid'
        ? undefined
        : {
            field: 'concurrencyPolicy',
            found: `concurrencyPolicy is ${s.concurrencyPolicy === undefined ? 'not set (Allow)' : String(s.concurrencyPolicy)}`,
            fix: 'set concurrencyPolicy: Forbid, or waive with the reason overlapping runs are safe',
          },
    'a CronJob forbids concurrent runs',
  ),
  cronField(
    'cronjob-starting-deadline',
    (s) =>
      typeof s.startingDeadlineSeconds === 'number'
        ? undefined
        : {
            field: 'startingDeadlineSeconds',
            found: 'startingDeadlineSeconds is not set',
            fix: 'set startingDeadlineSeconds, so missed runs after an outage do not pile up',
          },
    'a CronJob sets startingDeadlineSeconds',
  ),
  cronField(
    'cronjob-time-zone',
    (s) =>
      typeof s.timeZone === 'string' && s.timeZone !== ''
        ? undefined
        : {
            field: 'timeZone',
            found: 'timeZone is not set (the controller’s local time applies)',
            fix: 'set timeZone to an IANA name such as Etc/UTC or Europe/Paris',
          },
    'a CronJob sets a time zone',
  ),
  jobField('job-backoff-limit', 'backoffLimit', 'a Job sets backoffLimit', 'set backoffLimit to the number of retries a failure deserves'),
  jobField(
    'job-active-deadline',
    'activeDeadlineSeconds',
    'a Job sets activeDeadlineSeconds',
    'set activeDeadlineSeconds so a stuck run is stopped',
  ),
  jobField(
    'job-ttl',
    'ttlSecondsAfterFinished',
    'a Job sets ttlSecondsAfterFinished',
    'set ttlSecondsAfterFinished so finished Jobs and their pods are cleaned up',
  ),
];
