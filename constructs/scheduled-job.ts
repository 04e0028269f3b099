import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentChart, waiverAnnotations } from './environment-chart';
import * as k8s from './private/k8s';
import { buildJobParts, JobProps, jobRules } from './private/job';
import { versionOf } from './private/pod';
import { validateProps, valueRule } from './private/validate';
import type { IPodSelectable } from './types';
import { checkCron, checkTimeZone } from '../core/value-rules';

/** Properties of a `ScheduledJob`. */
export interface ScheduledJobProps extends JobProps {
  /** 5-field cron expression, e.g. `0 6 * * *`. */
  readonly schedule: string;
  /**
   * IANA time zone the schedule is read in.
   * @default 'UTC'
   */
  readonly timeZone?: string;
  /**
   * What happens when a run is due while the last one still runs.
   * @default 'Forbid'
   */
  readonly concurrencyPolicy?: 'Forbid' | 'Replace' | 'Allow';
  /**
   * How late a missed run may still start.
   * @default Duration.minutes(5)
   */
  readonly startingDeadline?: Duration;
  /** @default 3 */
  readonly successfulJobsHistoryLimit?: number;
  /** @default 3 */
  readonly failedJobsHistoryLimit?: number;
}

/** A CronJob with a validated schedule, a time zone, no overlapping runs and bounded Jobs. */
export class ScheduledJob extends Construct implements IPodSelectable {
  readonly name: string;
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Escape hatches. */
  readonly cronJob: k8s.KubeCronJob;
  readonly serviceAccount: k8s.KubeServiceAccount;

  constructor(scope: Construct, id: string, props: ScheduledJobProps) {
    validateProps(`ScheduledJob '${id}'`, props, [
      valueRule('schedule', (p: ScheduledJobProps) => p.schedule, checkCron),
      valueRule('timeZone', (p: ScheduledJobProps) => p.timeZone, checkTimeZone),
      {
        when: (p) => p.startingDeadline !== undefined && p.startingDeadline.toSeconds() < 10,
        message: (p) => `startingDeadline (${p.startingDeadline!.toSeconds()}s) must be at least 10 seconds (the controller checks every 10s)`,
      },
      ...jobRules<ScheduledJobProps>(),
    ]);
    super(scope, id);
    const chart = EnvironmentChart.of(this);
    const parts = buildJobParts(this, props);
    this.name = parts.name;
    this.selectorLabels = parts.selectorLabels;
    this.serviceAccount = parts.serviceAccount;
    this.cronJob = new k8s.KubeCronJob(this, 'CronJob', {
      metadata: chart.metadataFor(
        { name: props.name, component: props.component, version: versionOf(props.image) },
        waiverAnnotations(props.waivers),
      ),
      spec: {
        schedule: props.schedule,
        timeZone: props.timeZone ?? 'UTC',
        concurrencyPolicy: props.concurrencyPolicy ?? 'Forbid',
        startingDeadlineSeconds: (props.startingDeadline ?? Duration.minutes(5)).toSeconds(),
        successfulJobsHistoryLimit: props.successfulJobsHistoryLimit ?? 3,
        failedJobsHistoryLimit: props.failedJobsHistoryLimit ?? 3,
        suspend: false,
        jobTemplate: { metadata: { labels: parts.labels }, spec: parts.jobSpec },
      },
    });
  }
}
