// What autoscaling/v2 validation (pkg/apis/autoscaling/validation, Kubernetes 1.34) refuses in a
// HorizontalPodAutoscaler beyond the OpenAPI schema, which has no enums for these fields: metric
// and target types, the target each metric source needs, the scaling policies (the same rules as
// TaskNote's own autoscaling config, core/value-rules.ts checkScalingRules) and the target's
// group/version.
import { checkScalingRules, pathSegmentNameProblem, type ScalingRulesSpec } from '../../core/value-rules';
import { asArray, asRecord, isObject } from '../model';
import { kindRule } from '../rule';
import { show } from '../schema';
import type { FieldPath, Violation } from '../types';

/** Metric source types, each with the member that describes it. */
const SOURCES: Record<string, string> = {
  Object: 'object',
  Pods: 'pods',
  Resource: 'resource',
  ContainerResource: 'containerResource',
  External: 'external',
};
const TARGET_TYPES = ['Utilization', 'Value', 'AverageValue'];
/** Which target values each source takes, as validateObjectSource & co. require them. */
const TARGET_VALUES: Record<string, { readonly oneOf: readonly string[]; readonly what: string }> = {
  Object: { oneOf: ['value', 'averageValue'], what: 'a target value or averageValue' },
  Pods: { oneOf: ['averageValue'], what: 'a target averageValue' },
  Resource: { oneOf: ['averageUtilization', 'averageValue'], what: 'a target averageUtilization or averageValue' },
  ContainerResource: { oneOf: ['averageUtilization', 'averageValue'], what: 'a target averageUtilization or averageValue' },
  External: { oneOf: ['value', 'averageValue'], what: 'a target value or averageValue' },
};

function* metricProblems(metric: Record<string, unknown>, path: FieldPath): Iterable<Violation> {
  const type = metric.type;
  const member = typeof type === 'string' && Object.hasOwn(SOURCES, type) ? SOURCES[type] : undefined;
  if (member === undefined) {
    yield { path: [...path, 'type'], found: `metric type ${show(type)}`, fix: `use one of ${Object.keys(SOURCES).join(', ')}` };
    return;
  }
  const present = Object.values(SOURCES).filter((m) => metric[m] !== undefined && metric[m] !== null);
  if (!present.includes(member) || present.length !== 1) {
    yield {
      path,
      found: `a ${String(type)} metric with ${present.length === 0 ? 'no source' : `source ${present.join(', ')}`}`,
      fix: `describe it in ${member}, and only there`,
    };
    return;
  }
  const source = asRecord(metric[member]);
  const target = asRecord(source.target);
  const targetPath = [...path, member, 'target'];
  if (!TARGET_TYPES.includes(target.type as string))
    yield { path: [...targetPath, 'type'], found: `target type ${show(target.type)}`, fix: `use one of ${TARGET_TYPES.join(', ')}` };
  const { oneOf, what } = TARGET_VALUES[type as string];
  // A null value is unset to the server.
  const set = oneOf.filter((k) => target[k] !== undefined && target[k] !== null);
  if (set.length !== 1)
    yield {
      path: targetPath,
      found: set.length === 0 ? `a ${String(type)} target without ${what}` : `a ${String(type)} target with both ${set.join(' and ')}`,
      fix: `set exactly one: ${what}`,
    };
  if (typeof target.averageUtilization === 'number' && target.averageUtilization < 1)
    yield {
      path: [...targetPath, 'averageUtilization'],
      found: `averageUtilization ${target.averageUtilization}`,
      fix: 'use a percentage of 1 or more',
    };
}

export const autoscalerSpec = kindRule(
  {
    id: 'autoscaler-spec',
    severity: 'error',
    description:
      "a HorizontalPodAutoscaler's metrics, targets, scaling policies and replica bounds are ones autoscaling/v2 validation takes, and its target names a group/version with a group, and a kind and name that are path segments",
    source: 'API server (validation code)',
  },
  ['HorizontalPodAutoscaler'],
  function* (item) {
    if (item.object.apiVersion !== 'autoscaling/v2') return;
    const spec = asRecord(item.object.spec);
    const ref = asRecord(spec.scaleTargetRef);
    // ValidateCrossVersionObjectReference parses the group/version and requires its group: a
    // missing, null or core ("v1") apiVersion is refused too.
    const groupVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion.split('/') : [];
    if (
      isObject(spec.scaleTargetRef) &&
      (ref.apiVersion === undefined ||
        ref.apiVersion === null ||
        (typeof ref.apiVersion === 'string' && (groupVersion.length < 2 || groupVersion[0] === '')))
    )
      yield {
        path: ['spec', 'scaleTargetRef', 'apiVersion'],
        found: `scaleTargetRef.apiVersion ${ref.apiVersion === undefined ? 'is missing' : `${show(ref.apiVersion)} names no API group`}`,
        fix: 'use a group/version such as apps/v1',
      };
    else if (typeof ref.apiVersion === 'string' && groupVersion.length > 2)
      yield {
        path: ['spec', 'scaleTargetRef', 'apiVersion'],
        found: `scaleTargetRef.apiVersion ${show(ref.apiVersion)} is not a group/version`,
        fix: 'use a group/version such as apps/v1',
      };
    for (const field of ['kind', 'name']) {
      const problem = typeof ref[field] === 'string' && ref[field] !== '' ? pathSegmentNameProblem(ref[field] as string) : undefined;
      if (problem)
        yield {
          path: ['spec', 'scaleTargetRef', field],
          found: `scaleTargetRef.${field} ${show(ref[field])} ${problem}`,
          fix: `give the target's ${field} as the API names it`,
        };
    }
    for (const field of ['minReplicas', 'maxReplicas'])
      if (typeof spec[field] === 'number' && (spec[field] as number) < 1)
        yield { path: ['spec', field], found: `${field} is ${spec[field]}`, fix: 'use 1 or more' };
    for (const [i, m] of asArray(spec.metrics).entries()) yield* metricProblems(m, ['spec', 'metrics', i]);
    const behavior = asRecord(spec.behavior);
    for (const direction of ['scaleUp', 'scaleDown'])
      if (isObject(behavior[direction]))
        // A null field is unset to the server.
        for (const { path, problem } of checkScalingRules(
          Object.fromEntries(Object.entries(behavior[direction] as object).filter(([, v]) => v !== null)) as ScalingRulesSpec,
        ))
          yield {
            path: ['spec', 'behavior', direction, ...path.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s))],
            found: `behavior.${direction}.${path} ${problem}`,
            fix: 'keep to the API server bounds: stabilization 0-3600 s; policies of type Pods or Percent, value >= 1, period 1-1800 s',
          };
  },
);
