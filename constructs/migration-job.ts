import { Construct } from 'constructs';
import { EnvironmentChart, waiverAnnotations } from './environment-chart';
import * as k8s from './private/k8s';
import { buildJobParts, JobProps, jobRules } from './private/job';
import { validateProps } from './private/validate';
import type { IPodSelectable } from './types';
import { versionOf } from './private/pod';
import { deployRoleAnnotation } from '../core/deploy-role';

/** Properties of a `MigrationJob`. */
export type MigrationJobProps = JobProps;

/**
 * A Job that migrates the database schema before the workloads that use it roll out.
 * It declares the deploy role `migration` (annotation `deploy.tasknote.dev/role`): the deploy
 * applies it after the data stores are ready, waits for it to complete, and only then applies
 * every other workload.
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
    this.job = new k8s.KubeJob(this, 'Job', {
      metadata: chart.metadataFor(
        { name: props.name, component: props.component, version: versionOf(props.image) },
        { ...deployRoleAnnotation('migration'), ...waiverAnnotations(props.waivers) },
      ),
      spec: parts.jobSpec,
    });
  }
}
