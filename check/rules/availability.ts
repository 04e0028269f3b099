// Availability and scheduling: replicas, disruption budgets, spread, autoscalers.
import { asArray, asRecord, refOf, selectorMatches, type Workload } from '../model';
import type { CheckContext } from '../model';
import { kindRule, workloadRule, type Rule } from '../rule';

const SCALABLE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);
const HOSTNAME = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';

/** Lowest and highest replica counts a workload can run at, counting its autoscaler. */
export function replicaRange(w: Workload, ctx: CheckContext): { min: number; max: number } {
  const hpa = ctx.autoscalersOf(w)[0];
  if (hpa) {
    const spec = asRecord(hpa.object.spec);
    const min = typeof spec.minReplicas === 'number' ? spec.minReplicas : 1;
    return { min, max: typeof spec.maxReplicas === 'number' ? spec.maxReplicas : min };
  }
  const n = w.replicas ?? 1;
  return { min: n, max: n };
}

const multiReplica = (w: Workload, ctx: CheckContext) => SCALABLE.has(w.kind) && replicaRange(w, ctx).max > 1;

/** Whether the pod template spreads its own pods over a topology key. */
function spreads(w: Workload, key: string): boolean {
  const constraints = asArray(w.podSpec.topologySpreadConstraints).some(
    (t) => t.topologyKey === key && selectorMatches(t.labelSelector, w.podLabels),
  );
  const anti = asRecord(asRecord(w.podSpec.affinity).podAntiAffinity);
  const terms = [
    ...asArray(anti.requiredDuringSchedulingIgnoredDuringExecution),
    ...asArray(anti.preferredDuringSchedulingIgnoredDuringExecution).map((p) => asRecord(p.podAffinityTerm)),
  ];
  return constraints || terms.some((t) => t.topologyKey === key && selectorMatches(t.labelSelector, w.podLabels));
}

export const AVAILABILITY_RULES: Rule[] = [
  workloadRule(
    {
      id: 'replicas',
      severity: 'error',
      description: 'stateless workloads run more than one replica (or an HPA with minReplicas >= 2)',
      source: 'KS, PO, KL',
      group: 'replicas',
    },
    function* (w, ctx) {
      if (w.kind !== 'Deployment' && w.kind !== 'ReplicaSet') return;
      const hpa = ctx.autoscalersOf(w)[0];
      const { min } = replicaRange(w, ctx);
      if (min >= 2) return;
      yield hpa
        ? {
            path: ['spec', 'replicas'],
            found: `HorizontalPodAutoscaler ${refOf(hpa.object).name} allows scaling down to ${min} replica`,
            fix: 'set the autoscaler minReplicas to 2 or more',
          }
        : {
            path: ['spec', 'replicas'],
            found: `replicas is ${w.replicas ?? 'not set (1)'}`,
            fix: 'run at least 2 replicas, or add an autoscaler with minReplicas >= 2',
          };
    },
  ),
  workloadRule(
    {
      id: 'pod-disruption-budget',
      severity: 'error',
      description: 'every multi-replica Deployment or StatefulSet has a PodDisruptionBudget',
      source: 'KS, PO, KL',
    },
    function* (w, ctx) {
      if (!multiReplica(w, ctx)) return;
      const covered = ctx
        .allOfKind('PodDisruptionBudget')
        .some(
          (p) =>
            refOf(p.object).namespace === w.namespace &&
            selectorMatches(p.object.spec?.selector, w.podLabels) &&
            p.object.spec?.selector !== undefined,
        );
      if (!covered)
        yield {
          path: ['spec', 'template', 'metadata', 'labels'],
          found: `${w.kind} ${w.name} runs up to ${replicaRange(w, ctx).max} replicas and no PodDisruptionBudget selects its pods`,
          fix: 'add a PodDisruptionBudget (for example maxUnavailable: 1) whose selector matches the pod labels',
        };
    },
  ),
  kindRule(
    { id: 'pdb-allows-eviction', severity: 'error', description: 'no PodDisruptionBudget blocks every eviction', source: 'KS, PO, KL' },
    ['PodDisruptionBudget'],
    function* (item, ctx) {
      const spec = asRecord(item.object.spec);
      const { maxUnavailable, minAvailable } = spec;
      if (maxUnavailable === 0 || maxUnavailable === '0%') {
        yield {
          path: ['spec', 'maxUnavailable'],
          found: `maxUnavailable is ${JSON.stringify(maxUnavailable)}`,
          fix: 'allow at least one pod to be evicted (maxUnavailable: 1), or node drains hang',
        };
        return;
      }
      if (minAvailable === '100%') {
        yield { path: ['spec', 'minAvailable'], found: 'minAvailable is "100%"', fix: 'use maxUnavailable: 1 so node drains can proceed' };
        return;
      }
      if (typeof minAvailable !== 'number') return;
      for (const w of ctx.selectedBy(refOf(item.object).namespace, spec.selector)) {
        const { min } = replicaRange(w, ctx);
        if (minAvailable >= min) {
          yield {
            path: ['spec', 'minAvailable'],
            found: `minAvailable is ${minAvailable} but ${w.kind} ${w.name} can run ${min} replica${min === 1 ? '' : 's'}`,
            fix: `set minAvailable below ${min}, or use maxUnavailable: 1`,
          };
        }
      }
    },
  ),
  workloadRule(
    {
      id: 'topology-spread',
      severity: 'error',
      description: 'multi-replica workloads spread across nodes (topology spread or pod anti-affinity)',
      source: 'KS, PO, KL',
    },
    function* (w, ctx) {
      if (!multiReplica(w, ctx) || spreads(w, HOSTNAME)) return;
      yield {
        path: [...w.podSpecPath, 'topologySpreadConstraints'],
        found: `${w.kind} ${w.name} runs up to ${replicaRange(w, ctx).max} replicas with no spread over ${HOSTNAME}`,
        fix: `add a topologySpreadConstraint with topologyKey ${HOSTNAME} and a labelSelector matching the pod labels`,
      };
    },
  ),
  workloadRule(
    {
      id: 'zone-spread',
      severity: 'error',
      description: 'multi-replica workloads also spread across zones',
      source: 'KS, PO, KL',
      group: 'zone-spread',
    },
    function* (w, ctx) {
      if (!multiReplica(w, ctx) || spreads(w, ZONE)) return;
      yield {
        path: [...w.podSpecPath, 'topologySpreadConstraints'],
        found: `${w.kind} ${w.name} has no spread over ${ZONE}`,
        fix: `add a topologySpreadConstraint with topologyKey ${ZONE} and a labelSelector matching the pod labels`,
      };
    },
  ),
  workloadRule(
    {
      id: 'hpa-with-replicas',
      severity: 'error',
      description: 'a workload scaled by an HPA does not also fix spec.replicas',
      source: 'KS',
    },
    function* (w, ctx) {
      const hpa = ctx.autoscalersOf(w)[0];
      if (hpa && w.replicas !== undefined) {
        yield {
          path: ['spec', 'replicas'],
          found: `replicas is ${w.replicas} and HorizontalPodAutoscaler ${refOf(hpa.object).name} scales this ${w.kind}`,
          fix: 'remove spec.replicas: every apply would reset the autoscaler',
        };
      }
    },
  ),
  kindRule(
    {
      id: 'hpa-behavior',
      severity: 'error',
      description: 'an HPA sets a scale-down stabilization window',
      source: 'practice (prevents thrashing)',
    },
    ['HorizontalPodAutoscaler'],
    function* (item) {
      const window = asRecord(asRecord(asRecord(item.object.spec).behavior).scaleDown).stabilizationWindowSeconds;
      if (typeof window === 'number' && window > 0) return;
      yield item.object.apiVersion === 'autoscaling/v1'
        ? {
            path: ['apiVersion'],
            found: 'autoscaling/v1 has no scaling behavior',
            fix: 'use autoscaling/v2 and set spec.behavior.scaleDown.stabilizationWindowSeconds',
          }
        : {
            path: ['spec', 'behavior', 'scaleDown', 'stabilizationWindowSeconds'],
            found: `stabilizationWindowSeconds is ${window === undefined ? 'not set' : String(window)}`,
            fix: 'set spec.behavior.scaleDown.stabilizationWindowSeconds (for example 300)',
          };
    },
  ),
];
