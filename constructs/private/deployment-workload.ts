// What WebService and Worker share: a Deployment with its ServiceAccount, and optionally an
// HPA (autoscaling/v2 with behavior) and a PodDisruptionBudget.
import { Construct } from 'constructs';
import { behaviorProblems, scalingRulesSpec, type AutoscalingOptions } from '../autoscaling';
import { EnvironmentChart, waiverAnnotations } from '../environment-chart';
import { deployRoleAnnotation, type DeployRole } from '../../core/deploy-role';
import type { IPodSelectable, PodProps } from '../types';
import { checkDnsLabel } from '../../core/value-rules';
import * as k8s from './k8s';
import { buildPodTemplate, podRules, versionOf } from './pod';
import { Rule, validateProps } from './validate';

/** Properties shared by every Deployment-based workload. */
export interface DeploymentWorkloadProps extends PodProps {
  /** Object name of the Deployment and its companions, e.g. `tasknote-api`. */
  readonly name: string;
  /** `app.kubernetes.io/component`, e.g. `api`. */
  readonly component: string;
  /**
   * Fixed replica count. Mutually exclusive with `autoscaling`.
   * @default 1 (when `autoscaling` is unset)
   */
  readonly replicas?: number;
  /**
   * Horizontal autoscaling. Mutually exclusive with `replicas`.
   * @default - no autoscaler; `replicas` pods run
   */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * A PodDisruptionBudget allowing one pod at a time to be evicted.
   * @default true
   */
  readonly podDisruptionBudget?: boolean;
}

export function deploymentRules<P extends DeploymentWorkloadProps>(servesTraffic: boolean): Rule<P>[] {
  return [
    { when: (p) => checkDnsLabel(p.name) !== undefined, message: (p) => `name (${JSON.stringify(p.name)}) ${checkDnsLabel(p.name)}` },
    { when: (p) => p.replicas !== undefined && p.autoscaling !== undefined, message: () => "set either 'replicas' or 'autoscaling', not both" },
    {
      when: (p) => p.replicas !== undefined && (!Number.isInteger(p.replicas) || p.replicas < 0),
      message: (p) => `replicas (${p.replicas}) must be an integer >= 0`,
    },
    {
      when: (p) => !!p.autoscaling && (!Number.isInteger(p.autoscaling.minReplicas) || p.autoscaling.minReplicas < 1),
      message: (p) => `autoscaling.minReplicas (${p.autoscaling!.minReplicas}) must be an integer >= 1`,
    },
    {
      when: (p) => !!p.autoscaling && p.autoscaling.minReplicas > p.autoscaling.maxReplicas,
      message: (p) => `autoscaling.minReplicas (${p.autoscaling!.minReplicas}) must be <= autoscaling.maxReplicas (${p.autoscaling!.maxReplicas})`,
    },
    {
      when: (p) => {
        const t = p.autoscaling?.targetCpuUtilizationPercent;
        return t !== undefined && (!Number.isInteger(t) || t < 1 || t > 100);
      },
      message: (p) => `autoscaling.targetCpuUtilizationPercent (${p.autoscaling!.targetCpuUtilizationPercent}) must be an integer from 1 to 100`,
    },
    {
      when: (p) => !!p.autoscaling && behaviorProblems(p.autoscaling.behavior).length > 0,
      message: (p) => behaviorProblems(p.autoscaling!.behavior).join('\n  - '),
    },
    ...podRules<P>(servesTraffic),
  ];
}

/** A Deployment-based workload; see WebService and Worker. */
export abstract class DeploymentWorkload extends Construct implements IPodSelectable {
  readonly name: string;
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Escape hatches. */
  readonly deployment: k8s.KubeDeployment;
  readonly serviceAccount: k8s.KubeServiceAccount;
  readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  readonly disruptionBudget?: k8s.KubePodDisruptionBudget;
  protected readonly chart: EnvironmentChart;

  /** `deployRole`: `datastore` for a workload that migrations need (see core/deploy-role.ts). */
  protected constructor(scope: Construct, id: string, props: DeploymentWorkloadProps, servesTraffic: boolean, deployRole?: DeployRole) {
    super(scope, id);
    this.chart = EnvironmentChart.of(this);
    this.name = props.name;
    this.selectorLabels = this.chart.selectorFor(props.name);
    const labels = this.chart.labelsFor({ name: props.name, component: props.component, version: versionOf(props.image) });
    const meta = this.chart.metadataFor({ name: props.name, component: props.component, version: versionOf(props.image) });

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: this.chart.metadataFor({ name: props.name, component: props.component }),
      automountServiceAccountToken: false,
    });

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { ...meta, ...(props.waivers || deployRole ? { annotations: { ...(deployRole ? deployRoleAnnotation(deployRole) : {}), ...waiverAnnotations(props.waivers) } } : {}) },
      spec: {
        ...(props.autoscaling ? {} : { replicas: props.replicas ?? 1 }),
        revisionHistoryLimit: 5,
        selector: { matchLabels: { ...this.selectorLabels } },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromString('25%') },
        },
        template: buildPodTemplate(
          { chart: this.chart, name: props.name, serviceAccountName: props.name, labels, selector: { ...this.selectorLabels }, servesTraffic },
          props,
        ),
      },
    });

    if (props.autoscaling) {
      const a = props.autoscaling;
      this.autoscaler = new k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
        metadata: this.chart.metadataFor({ name: props.name, component: props.component }),
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.name },
          minReplicas: a.minReplicas,
          maxReplicas: a.maxReplicas,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.targetCpuUtilizationPercent ?? 70 } },
            },
          ],
          behavior: { scaleUp: hpaRules(scalingRulesSpec('scaleUp', a.behavior?.scaleUp)), scaleDown: hpaRules(scalingRulesSpec('scaleDown', a.behavior?.scaleDown)) },
        },
      });
    }

    if (props.podDisruptionBudget ?? true) {
      this.disruptionBudget = new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: this.chart.metadataFor({ name: props.name, component: props.component }),
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: { ...this.selectorLabels } } },
      });
    }
  }
}

export function validateDeploymentWorkload<P extends DeploymentWorkloadProps>(
  kind: string,
  id: string,
  props: P,
  servesTraffic: boolean,
  extra: Rule<P>[] = [],
): void {
  validateProps(`${kind} '${id}'`, props, [...deploymentRules<P>(servesTraffic), ...extra]);
}

function hpaRules(spec: ReturnType<typeof scalingRulesSpec>): k8s.HpaScalingRulesV2 {
  return { stabilizationWindowSeconds: spec.stabilizationWindowSeconds, selectPolicy: spec.selectPolicy, policies: spec.policies.map((p) => ({ ...p })) };
}
