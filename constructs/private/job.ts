// The Job spec that MigrationJob and ScheduledJob share: bounded retries, a deadline,
// clean-up after completion, and the hardened pod template without probes.
import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentChart } from '../environment-chart';
import type { IPodSelectable, PodProps } from '../types';
import { checkDnsLabel } from '../../core/value-rules';
import * as k8s from './k8s';
import { buildPodTemplate, podRules, versionOf } from './pod';
import type { Rule } from './validate';

/** Properties of any Job-running construct. */
export interface JobProps extends PodProps {
  /** Object name, e.g. `tasknote-migrate`. */
  readonly name: string;
  /** `app.kubernetes.io/component`, e.g. `migration`. */
  readonly component: string;
  /**
   * Retries before the Job is failed.
   * @default 2
   */
  readonly backoffLimit?: number;
  /**
   * Longest a Job may run, retries included.
   * @default Duration.minutes(30)
   */
  readonly activeDeadline?: Duration;
  /**
   * How long a finished Job (and its pods' logs) stays before it is deleted.
   * @default Duration.days(1)
   */
  readonly ttlAfterFinished?: Duration;
}

export function jobRules<P extends JobProps>(): Rule<P>[] {
  return [
    { when: (p) => checkDnsLabel(p.name) !== undefined, message: (p) => `name (${JSON.stringify(p.name)}) ${checkDnsLabel(p.name)}` },
    {
      when: (p) => p.backoffLimit !== undefined && (!Number.isInteger(p.backoffLimit) || p.backoffLimit < 0),
      message: (p) => `backoffLimit (${p.backoffLimit}) must be an integer >= 0`,
    },
    {
      when: (p) => p.activeDeadline !== undefined && p.activeDeadline.toSeconds() < 1,
      message: (p) => `activeDeadline (${p.activeDeadline!.toSeconds()}s) must be at least 1 second`,
    },
    ...podRules<P>(false),
  ];
}

/** The pieces a Job-running construct needs. */
export interface JobParts extends IPodSelectable {
  readonly serviceAccount: k8s.KubeServiceAccount;
  readonly jobSpec: k8s.JobSpec;
  readonly labels: Record<string, string>;
}

export function buildJobParts(scope: Construct, props: JobProps): JobParts {
  const chart = EnvironmentChart.of(scope);
  const selectorLabels = chart.selectorFor(props.name);
  const labels = chart.labelsFor({ name: props.name, component: props.component, version: versionOf(props.image) });
  const serviceAccount = new k8s.KubeServiceAccount(scope, 'ServiceAccount', {
    metadata: chart.metadataFor({ name: props.name, component: props.component }),
    automountServiceAccountToken: false,
  });
  const jobSpec: k8s.JobSpec = {
    backoffLimit: props.backoffLimit ?? 2,
    activeDeadlineSeconds: (props.activeDeadline ?? Duration.minutes(30)).toSeconds(),
    ttlSecondsAfterFinished: (props.ttlAfterFinished ?? Duration.days(1)).toSeconds(),
    template: buildPodTemplate(
      { chart, name: props.name, serviceAccountName: props.name, labels, selector: selectorLabels, servesTraffic: false, restartPolicy: 'Never' },
      props,
    ),
  };
  return { name: props.name, selectorLabels, serviceAccount, jobSpec, labels };
}
