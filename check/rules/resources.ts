// Resources and health: requests and limits, probes, and graceful shutdown.
import { isDeepStrictEqual } from 'node:util';
import { asRecord, type Container } from '../model';
import { workloadRule, type Rule } from '../rule';
import type { Violation } from '../types';

/** Seconds a slow boot may take before liveness may kill the container. */
export const MIN_BOOT_SECONDS = 30;
/** Kubernetes' default terminationGracePeriodSeconds. */
const DEFAULT_GRACE_SECONDS = 30;

function missingResources(c: Container, wanted: [section: 'requests' | 'limits', name: string][]): Violation | undefined {
  const resources = asRecord(c.container.resources);
  const missing = wanted.filter(([section, name]) => asRecord(resources[section])[name] === undefined).map(([s, n]) => `${s}.${n}`);
  if (missing.length === 0) return undefined;
  return {
    path: [...c.path, 'resources'],
    found: `container ${c.name} has no ${missing.join(', ')}`,
    fix: `set resources.${missing.join(' and resources.')}`,
  };
}

/** The delay of a `sleep N` preStop hook, undefined when there is none or it is not a sleep. */
export function preStopDelay(c: Container): number | undefined {
  const command = asRecord(asRecord(asRecord(c.container.lifecycle).preStop).exec).command;
  if (!Array.isArray(command)) return undefined;
  const match = /(?:^|[\s;&|])sleep\s+(\d+(?:\.\d+)?)s?(?:$|[\s;&|])/.exec(command.map(String).join(' '));
  return match ? Number(match[1]) : undefined;
}

export const RESOURCE_RULES: Rule[] = [
  workloadRule(
    {
      id: 'resource-requests',
      severity: 'error',
      description: 'every container requests CPU and memory',
      source: 'KS, PO, KL, CK_K8S_10/12',
    },
    function* (w) {
      for (const c of w.containers) {
        const v = missingResources(c, [
          ['requests', 'cpu'],
          ['requests', 'memory'],
        ]);
        if (v) yield v;
      }
    },
  ),
  workloadRule(
    { id: 'memory-limit', severity: 'error', description: 'every container has a memory limit', source: 'KS, PO, KL, CK_K8S_13' },
    function* (w) {
      for (const c of w.containers) {
        const v = missingResources(c, [['limits', 'memory']]);
        if (v) yield v;
      }
    },
  ),
  workloadRule(
    { id: 'ephemeral-storage', severity: 'error', description: 'every container requests and limits ephemeral-storage', source: 'KS' },
    function* (w) {
      for (const c of w.containers) {
        const v = missingResources(c, [
          ['requests', 'ephemeral-storage'],
          ['limits', 'ephemeral-storage'],
        ]);
        if (v) yield v;
      }
    },
  ),
  workloadRule(
    {
      id: 'readiness-probe',
      severity: 'error',
      description: 'every container behind a Service has a readiness probe',
      source: 'KS, PO, KL, CK_K8S_9',
    },
    function* (w, ctx) {
      const services = ctx.servicesOf(w);
      if (services.length === 0) return;
      for (const c of w.containers.filter((x) => !x.init)) {
        if (c.container.readinessProbe === undefined) {
          yield {
            path: [...c.path, 'readinessProbe'],
            found: `container ${c.name} is behind Service ${String(services[0].object.metadata.name)} without a readiness probe`,
            fix: 'add a readinessProbe, so traffic reaches only ready pods',
          };
        }
      }
    },
  ),
  workloadRule(
    {
      id: 'liveness-probe',
      severity: 'error',
      description: 'every long-running container has a liveness probe',
      source: 'KS, PO, KL, CK_K8S_8',
    },
    function* (w) {
      if (w.batch) return;
      for (const c of w.containers.filter((x) => !x.init)) {
        if (c.container.livenessProbe === undefined)
          yield {
            path: [...c.path, 'livenessProbe'],
            found: `container ${c.name} has no liveness probe`,
            fix: 'add a livenessProbe that fails only when the process cannot recover by itself',
          };
      }
    },
  ),
  workloadRule(
    { id: 'probes-differ', severity: 'error', description: 'the readiness and liveness probes are not identical', source: 'KS' },
    function* (w) {
      for (const c of w.containers) {
        const { readinessProbe, livenessProbe } = c.container;
        if (readinessProbe !== undefined && isDeepStrictEqual(readinessProbe, livenessProbe)) {
          yield {
            path: [...c.path, 'livenessProbe'],
            found: `container ${c.name} uses the same probe for readiness and liveness`,
            fix: 'make liveness more tolerant (another endpoint, or a higher failureThreshold) so an overloaded pod is taken out of rotation, not restarted',
          };
        }
      }
    },
  ),
  workloadRule(
    {
      id: 'startup-probe',
      severity: 'error',
      description: `a container with a liveness probe has a startup probe or a liveness initialDelaySeconds >= ${MIN_BOOT_SECONDS}`,
      source: 'practice (aggressive liveness kills slow pods)',
    },
    function* (w) {
      for (const c of w.containers) {
        const liveness = asRecord(c.container.livenessProbe);
        if (c.container.livenessProbe === undefined || c.container.startupProbe !== undefined) continue;
        const delay = typeof liveness.initialDelaySeconds === 'number' ? liveness.initialDelaySeconds : 0;
        if (delay < MIN_BOOT_SECONDS) {
          yield {
            path: [...c.path, 'livenessProbe', 'initialDelaySeconds'],
            found: `container ${c.name} has no startup probe and a liveness initialDelaySeconds of ${delay}`,
            fix: `add a startupProbe (failureThreshold × periodSeconds covering a slow boot), or set livenessProbe.initialDelaySeconds >= ${MIN_BOOT_SECONDS}`,
          };
        }
      }
    },
  ),
  workloadRule(
    {
      id: 'prestop-delay',
      severity: 'error',
      description: 'containers behind a Service have a preStop delay, so endpoints drain before shutdown',
      source: 'practice',
    },
    function* (w, ctx) {
      if (w.batch || ctx.servicesOf(w).length === 0) return;
      for (const c of w.containers.filter((x) => !x.init)) {
        if (asRecord(c.container.lifecycle).preStop === undefined) {
          yield {
            path: [...c.path, 'lifecycle', 'preStop'],
            found: `container ${c.name} is behind a Service and has no preStop hook`,
            fix: 'add lifecycle.preStop.exec.command: [sleep, "5"] (or longer than the endpoint propagation delay)',
          };
        }
      }
    },
  ),
  workloadRule(
    {
      id: 'termination-grace-period',
      severity: 'error',
      description: 'terminationGracePeriodSeconds is longer than the preStop delay',
      source: 'practice',
    },
    function* (w) {
      const grace =
        typeof w.podSpec.terminationGracePeriodSeconds === 'number' ? w.podSpec.terminationGracePeriodSeconds : DEFAULT_GRACE_SECONDS;
      for (const c of w.containers) {
        const delay = preStopDelay(c);
        if (delay !== undefined && grace <= delay) {
          yield {
            path: [...w.podSpecPath, 'terminationGracePeriodSeconds'],
            found: `terminationGracePeriodSeconds is ${grace}, not longer than container ${c.name}'s preStop delay of ${delay}s`,
            fix: `set terminationGracePeriodSeconds above ${delay}, leaving the process time to shut down after the delay`,
          };
        }
      }
    },
  ),
];
