import { Construct } from 'constructs';
import { EnvironmentChart, waiverAnnotations } from './environment-chart';
import * as k8s from './private/k8s';
import { buildJobParts, JobProps, jobRules } from './private/job';
import { validateProps } from './private/validate';
import type { IPodSelectable } from './types';
import { versionOf } from './private/pod';

/** Annotation naming the workloads that must wait for this Job to complete. */
export const RUNS_BEFORE_ANNOTATION = 'tasknote.dev/runs-before';

/** Properties of a `MigrationJob`. */
export interface MigrationJobProps extends JobProps {
  /**
   * The workloads that must not roll out before the migration completes; the deploy step
   * waits for the Job before applying them.
   * @default []
   */
  readonly runsBefore?: readonly IPodSelectable[];
}

/**
 * A Job that migrates the database schema before the workloads that use it roll out.
 * The annotation `tasknote.dev/runs-before` names those workloads for the deploy step.
 */
export class MigrationJob extends Construct implements IPodSelectable {
  readonly name: string;
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Escape hatches. */
  readonly job: k8s.KubeJob;
  readonly serviceAccount: k8s.KubeServiceAccount;

  constructor(scope: Construct, id: string, props: MigrationJobProps) {
    validateProps(`MigrationJob '${id}'`, props, jobRules<MigrationJobProps>());
    super(scope, id);
    const chart = EnvironmentChart.of(this);
    const parts = buildJobParts(this, props);
    this.name = parts.name;
    this.selectorLabels = parts.selectorLabels;
    this.serviceAccount = parts.serviceAccount;
    const before = (props.runsBefore ?? []).map((w) => w.name);
    this.job = new k8s.KubeJob(this, 'Job', {
      metadata: chart.metadataFor(
        { name: props.name, component: props.component, version: versionOf(props.image) },
        { ...(before.length > 0 ? { [RUNS_BEFORE_ANNOTATION]: before.join(',') } : {}), ...waiverAnnotations(props.waivers) },
      ),
      spec: parts.jobSpec,
    });
  }
}
