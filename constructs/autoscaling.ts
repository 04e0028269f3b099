// Horizontal autoscaling of a Deployment-based workload: the props and the HPA behavior they make.
import { Duration } from 'cdk8s';
import { checkScalingRules, type ScalingRulesSpec } from '../core/value-rules';

/** One scaling policy: change by at most `value` pods (or percent of pods) per `period`. */
export interface ScalingPolicy {
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly period: Duration;
}

/** How fast the HPA may scale in one direction. */
export interface ScalingRules {
  /**
   * How long a recommendation must hold before it is acted on.
   * @default Duration.seconds(0) for scale-up (react at once), Duration.minutes(5) for scale-down
   */
  readonly stabilizationWindow?: Duration;
  /**
   * Which policy wins when several allow a change.
   * @default 'Max' for scale-up (the fastest), 'Min' for scale-down (the most cautious)
   */
  readonly selectPolicy?: 'Max' | 'Min' | 'Disabled';
  /**
   * The limits on each step.
   * @default scale-up: 100 % or 4 pods per 60 s, whichever is more; scale-down: 50 % per 60 s
   */
  readonly policies?: readonly ScalingPolicy[];
}

/** The HPA's `behavior`: each direction tuned separately. */
export interface AutoscalingBehavior {
  /** @default - see `ScalingRules` for the scale-up defaults */
  readonly scaleUp?: ScalingRules;
  /** @default - see `ScalingRules` for the scale-down defaults */
  readonly scaleDown?: ScalingRules;
}

/** Horizontal autoscaling on CPU utilisation. */
export interface AutoscalingOptions {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /**
   * Average CPU utilisation (of requests) the HPA aims for.
   * @default 70
   */
  readonly targetCpuUtilizationPercent?: number;
  /**
   * How fast it scales up and down.
   * @default - scale up at once, by 100 % or 4 pods a minute; scale down after 5 minutes of low load, by 50 % a minute
   */
  readonly behavior?: AutoscalingBehavior;
}

/** The defaults of `ScalingRules`, per direction. */
export const DEFAULT_SCALING: { readonly scaleUp: Required<ScalingRules>; readonly scaleDown: Required<ScalingRules> } = {
  scaleUp: {
    stabilizationWindow: Duration.seconds(0),
    selectPolicy: 'Max',
    policies: [
      { type: 'Percent', value: 100, period: Duration.seconds(60) },
      { type: 'Pods', value: 4, period: Duration.seconds(60) },
    ],
  },
  scaleDown: {
    stabilizationWindow: Duration.minutes(5),
    selectPolicy: 'Min',
    policies: [{ type: 'Percent', value: 50, period: Duration.seconds(60) }],
  },
};

type Direction = keyof typeof DEFAULT_SCALING;

/** One direction's rules as the API takes them, defaults applied. */
export function scalingRulesSpec(direction: Direction, rules: ScalingRules | undefined): Required<ScalingRulesSpec> {
  const d = DEFAULT_SCALING[direction];
  return {
    stabilizationWindowSeconds: (rules?.stabilizationWindow ?? d.stabilizationWindow).toSeconds(),
    selectPolicy: rules?.selectPolicy ?? d.selectPolicy,
    policies: (rules?.policies ?? d.policies).map((p) => ({ type: p.type, value: p.value, periodSeconds: p.period.toSeconds() })),
  };
}

/** The problems of a behavior, each prefixed with its prop path (`autoscaling.behavior.scaleUp.policies.0.value (0) …`). */
export function behaviorProblems(behavior: AutoscalingBehavior | undefined): string[] {
  return (['scaleUp', 'scaleDown'] as const).flatMap((direction) =>
    checkScalingRules(scalingRulesSpec(direction, behavior?.[direction])).map(
      ({ path, problem }) => `autoscaling.behavior.${direction}.${path} ${problem}`,
    ),
  );
}
