// The numeric bounds of the API server's validation code (Kubernetes 1.34: core, apps, batch and
// policy validation) that the OpenAPI schema leaves out: counts, durations and IDs that may not be
// negative, and the integer-or-percent fields of rollouts and disruption budgets. Pod fields are
// read from every pod template at any depth (a CronJob's too), through the workload model.
import { asArray, asRecord, getIn } from '../model';
import { quantityValue } from '../quantity';
import type { Rule } from '../rule';
import { show } from '../schema';
import type { FieldPath, Violation } from '../types';

const INT32_MAX = 2 ** 31 - 1;
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'];
const PROBE_COUNTS = ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'];
const IDS = ['runAsUser', 'runAsGroup', 'fsGroup'];

/** Fields of an object's spec that may not be negative, by kind. */
const NON_NEGATIVE: Record<string, readonly string[]> = {
  Deployment: ['replicas', 'minReadySeconds', 'revisionHistoryLimit', 'progressDeadlineSeconds'],
  StatefulSet: ['replicas', 'minReadySeconds', 'revisionHistoryLimit'],
  ReplicaSet: ['replicas', 'minReadySeconds'],
  DaemonSet: ['minReadySeconds', 'revisionHistoryLimit'],
  CronJob: ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit'],
};
const JOB_NON_NEGATIVE = [
  'parallelism',
  'completions',
  'activeDeadlineSeconds',
  'backoffLimit',
  'ttlSecondsAfterFinished',
  'backoffLimitPerIndex',
];
/** Where a kind keeps a Job spec (validated by the same validateJobSpec). */
const JOB_SPECS: Record<string, FieldPath> = { Job: ['spec'], CronJob: ['spec', 'jobTemplate', 'spec'] };
/** Integer-or-percent fields (ValidatePositiveIntOrPercent), and whether they are capped at 100%. */
const INT_OR_PERCENT: Record<string, readonly { readonly path: FieldPath; readonly capped: boolean }[]> = {
  Deployment: [
    { path: ['spec', 'strategy', 'rollingUpdate', 'maxUnavailable'], capped: true },
    { path: ['spec', 'strategy', 'rollingUpdate', 'maxSurge'], capped: false },
  ],
  DaemonSet: [
    { path: ['spec', 'updateStrategy', 'rollingUpdate', 'maxUnavailable'], capped: true },
    { path: ['spec', 'updateStrategy', 'rollingUpdate', 'maxSurge'], capped: false },
  ],
  PodDisruptionBudget: [
    { path: ['spec', 'minAvailable'], capped: true },
    { path: ['spec', 'maxUnavailable'], capped: true },
  ],
};

/** The claims of a kind: a PersistentVolumeClaim itself, a StatefulSet's claim templates. */
const CLAIMS: Record<string, (o: Record<string, any>) => readonly Record<string, any>[]> = {
  PersistentVolumeClaim: (o) => [o],
  StatefulSet: (o) => asArray(asRecord(o.spec).volumeClaimTemplates),
};

function negative(value: unknown, path: FieldPath): Violation[] {
  return typeof value === 'number' && value < 0 ? [{ path, found: `${String(path.at(-1))} is ${value}`, fix: 'use 0 or more' }] : [];
}

function intOrPercentProblem(value: unknown, capped: boolean): string | undefined {
  if (typeof value === 'number') return value < 0 ? 'is negative' : undefined;
  if (typeof value !== 'string') return undefined;
  if (!/^[0-9]+%$/.test(value)) return "is neither an integer nor a percentage such as '25%'";
  return capped && Number(value.slice(0, -1)) > 100 ? 'is above 100%' : undefined;
}

export const valueRange: Rule = {
  id: 'value-range',
  severity: 'error',
  description:
    'numbers are within the bounds the API server sets: UIDs and GIDs 0 to 2^31-1, no negative counts, durations or probe settings (workloads, Jobs and CronJobs, at any depth), rollout and disruption-budget integers or percentages, maxSkew >= 1, emptyDir sizeLimit >= 0, claim storage above zero',
  source: 'API server (validation code)',
  *check(ctx) {
    for (const w of ctx.workloads) {
      const ids = (sc: unknown, path: FieldPath): Violation[] =>
        IDS.flatMap((f) => {
          const v = asRecord(sc)[f];
          return typeof v === 'number' && (v < 0 || v > INT32_MAX)
            ? [{ path: [...path, f], found: `${f} is ${v}`, fix: `use an ID from 0 to ${INT32_MAX}` }]
            : [];
        });
      const out: Violation[] = [...ids(w.podSpec.securityContext, [...w.podSpecPath, 'securityContext'])];
      for (const [i, g] of (Array.isArray(asRecord(w.podSpec.securityContext).supplementalGroups)
        ? (asRecord(w.podSpec.securityContext).supplementalGroups as unknown[])
        : []
      ).entries())
        if (typeof g === 'number' && (g < 0 || g > INT32_MAX))
          out.push({
            path: [...w.podSpecPath, 'securityContext', 'supplementalGroups', i],
            found: `supplemental group ${g}`,
            fix: `use an ID from 0 to ${INT32_MAX}`,
          });
      // validateEmptyDirVolumeSource: a sizeLimit is not negative.
      for (const [i, vol] of asArray(w.podSpec.volumes).entries()) {
        const limit = asRecord(vol.emptyDir).sizeLimit;
        const value = quantityValue(limit);
        if (value !== undefined && value < 0)
          out.push({
            path: [...w.podSpecPath, 'volumes', i, 'emptyDir', 'sizeLimit'],
            found: `emptyDir sizeLimit ${show(limit)} is negative`,
            fix: 'use a quantity of 0 or more, such as 64Mi',
          });
      }
      for (const [i, t] of asArray(w.podSpec.topologySpreadConstraints).entries())
        if (typeof t.maxSkew === 'number' && t.maxSkew < 1)
          out.push({
            path: [...w.podSpecPath, 'topologySpreadConstraints', i, 'maxSkew'],
            found: `maxSkew is ${t.maxSkew}`,
            fix: 'use 1 or more',
          });
      for (const c of w.containers) {
        out.push(...ids(c.container.securityContext, [...c.path, 'securityContext']));
        for (const probe of PROBES)
          for (const f of PROBE_COUNTS) out.push(...negative(asRecord(c.container[probe])[f], [...c.path, probe, f]));
      }
      for (const v of out) yield { ...v, item: w.item };
    }
    for (const [kind, fields] of Object.entries(NON_NEGATIVE))
      for (const item of ctx.ofKind(kind))
        for (const f of fields) for (const v of negative(asRecord(item.object.spec)[f], ['spec', f])) yield { ...v, item };
    for (const [kind, path] of Object.entries(JOB_SPECS))
      for (const item of ctx.ofKind(kind)) {
        const spec = asRecord(getIn(item.object, path));
        for (const f of JOB_NON_NEGATIVE) for (const v of negative(spec[f], [...path, f])) yield { ...v, item };
      }
    // ValidatePersistentVolumeClaimSpec: a claim's storage request is above zero (its own and a StatefulSet's templates).
    for (const [kind, claims] of Object.entries(CLAIMS))
      for (const item of ctx.ofKind(kind))
        for (const [i, claim] of claims(item.object).entries()) {
          const storage = asRecord(asRecord(asRecord(claim.spec).resources).requests).storage;
          const value = quantityValue(storage);
          if (value !== undefined && value <= 0)
            yield {
              item,
              path: [...(kind === 'StatefulSet' ? ['spec', 'volumeClaimTemplates', i] : []), 'spec', 'resources', 'requests', 'storage'],
              found: `storage request ${show(storage)} is not above zero`,
              fix: 'request the storage the claim needs, such as 1Gi',
            };
        }
    for (const [kind, fields] of Object.entries(INT_OR_PERCENT))
      for (const item of ctx.ofKind(kind))
        for (const { path, capped } of fields) {
          const value = getIn(item.object, path);
          const problem = intOrPercentProblem(value, capped);
          if (problem)
            yield {
              item,
              path,
              found: `${String(path.at(-1))} ${show(value)} ${problem}`,
              fix: `use an integer of 0 or more or a percentage${capped ? ' up to 100%' : ''}`,
            };
        }
  },
};
