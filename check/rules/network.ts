// Network: a default-deny policy per namespace and the explicit allows the workloads need —
// DNS egress to kube-dns, the ingress controller to Ingress backends, and pod-to-pod flows
// whose ingress and egress sides agree.
import { DEFAULT_DNS_PEER } from '../../core/dns-peer';
import {
  admittingRules,
  NAMESPACE_NAME_LABEL,
  peerAdmits as corePeerAdmits,
  policySelects,
  policyTypes as policyTypesOf,
  type PolicyDirection,
} from '../../core/network-policy';
import { asArray, asRecord, isObject, refOf, selectorMatches, stringMap, type CheckContext, type Workload } from '../model';
import { containerPorts, ingressBackends } from '../references';
import type { Located, Rule } from '../rule';
import type { SourcedObject } from '../types';

type Direction = PolicyDirection;
const NAME_LABEL = NAMESPACE_NAME_LABEL;

/** The directions a NetworkPolicy restricts (core/network-policy.ts). */
const policyTypes = (np: SourcedObject): Direction[] => policyTypesOf(np.object.spec);

const isEmptySelector = (s: unknown) =>
  Object.keys(stringMap(asRecord(s).matchLabels)).length === 0 && asArray(asRecord(s).matchExpressions).length === 0;

// Policies per workload and direction, asked for once per pair of workloads by the flow checks:
// computed once per workload (a workload belongs to one check run).
const policyCache = new WeakMap<Workload, Partial<Record<Direction, SourcedObject[]>>>();

function policiesFor(ctx: CheckContext, w: Workload, direction: Direction): SourcedObject[] {
  const cached = policyCache.get(w) ?? {};
  policyCache.set(w, cached);
  return (cached[direction] ??= computePoliciesFor(ctx, w, direction));
}

function computePoliciesFor(ctx: CheckContext, w: Workload, direction: Direction): SourcedObject[] {
  return ctx
    .allOfKind('NetworkPolicy')
    .filter((np) => policySelects(np.object.spec, refOf(np.object).namespace, w.namespace, w.podLabels, direction));
}

/** Labels a namespace is known to carry: its own, or at least the one the API sets on all. */
const namespaceLabelCache = new WeakMap<CheckContext, Map<string, Record<string, string>>>();

function namespaceLabels(ctx: CheckContext, namespace: string): Record<string, string> {
  const byName = namespaceLabelCache.get(ctx) ?? new Map<string, Record<string, string>>();
  namespaceLabelCache.set(ctx, byName);
  let labels = byName.get(namespace);
  if (!labels) {
    labels = { ...stringMap(ctx.find('Namespace', undefined, namespace)?.object.metadata?.labels), [NAME_LABEL]: namespace };
    byName.set(namespace, labels);
  }
  return labels;
}

/** Whether a policy peer admits pods with `labels` in `namespace`, seen from a policy in `own`. */
function peerAdmits(
  ctx: CheckContext,
  peer: Record<string, unknown>,
  own: string | undefined,
  namespace: string,
  labels: Record<string, string>,
): boolean {
  return corePeerAdmits(peer, own, namespace, labels, (ns) => namespaceLabels(ctx, ns));
}

/** Whether traffic in `direction` is allowed for pods of `w` to/from a peer described by `matches`. */
function allowed(
  ctx: CheckContext,
  w: Workload,
  direction: Direction,
  matches: (peer: Record<string, unknown>) => boolean,
  port: number | undefined,
  portName?: string,
  protocol?: string,
): boolean {
  const policies = policiesFor(ctx, w, direction);
  if (policies.length === 0) return true;
  return policies.some(
    (np) => admittingRules(np.object.spec, direction, matches, { number: port, name: portName, protocol: protocol ?? 'TCP' }).length > 0,
  );
}

/** The object a namespace-wide finding attaches to: its Namespace, or else its first object. */
function anchor(ctx: CheckContext, namespace: string): SourcedObject | undefined {
  return ctx.find('Namespace', undefined, namespace) ?? ctx.items.find((i) => refOf(i.object).namespace === namespace);
}

const isDenyAll = (np: SourcedObject) => {
  const spec = asRecord(np.object.spec);
  const types = policyTypes(np);
  return (
    isEmptySelector(spec.podSelector) &&
    types.includes('Ingress') &&
    types.includes('Egress') &&
    asArray(spec.ingress).length === 0 &&
    asArray(spec.egress).length === 0
  );
};

/** The target port of a Service port on a workload, as a number and a name where known. */
function resolveTarget(w: Workload, servicePort: Record<string, unknown>): { number?: number; name?: string } {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return { number: target };
  return { number: containerPorts(w).names.get(String(target)), name: String(target) };
}

export const NETWORK_RULES: Rule[] = [
  {
    id: 'default-deny-network-policy',
    severity: 'error',
    description: 'every namespace has a NetworkPolicy denying all ingress and egress by default',
    source: 'KS, PO, CK2_K8S_6',
    *check(ctx) {
      for (const ns of ctx.namespaces()) {
        const item = anchor(ctx, ns);
        if (!item || ctx.allOfKind('NetworkPolicy').some((np) => refOf(np.object).namespace === ns && isDenyAll(np))) continue;
        yield {
          item,
          path: item.object.kind === 'Namespace' ? [] : ['metadata', 'namespace'],
          found: `namespace ${ns} has no default-deny NetworkPolicy`,
          fix: 'add a NetworkPolicy with podSelector: {}, policyTypes: [Ingress, Egress] and no rules, then allow each needed flow explicitly',
        };
      }
      // Pods without a namespace land in whichever namespace kubectl points at (default):
      // unless the set brings a namespace-less deny-all policy along, nothing denies them.
      const loose = ctx.workloads.find((w) => w.namespace === undefined);
      if (loose && !ctx.allOfKind('NetworkPolicy').some((np) => refOf(np.object).namespace === undefined && isDenyAll(np)))
        yield {
          item: loose.item,
          path: ['metadata', 'namespace'],
          found: `${loose.kind} ${loose.name} and the other pods without a namespace land in the current namespace (default), which no default-deny NetworkPolicy in this set covers`,
          fix: 'set metadata.namespace, and add a NetworkPolicy with podSelector: {}, policyTypes: [Ingress, Egress] to that namespace',
        };
    },
  },
  {
    id: 'dns-egress',
    severity: 'error',
    description: 'pods whose egress is restricted may reach kube-dns on port 53',
    source: 'practice (default deny blocks DNS)',
    *check(ctx) {
      const dns = ctx.profile.dnsPeer ?? DEFAULT_DNS_PEER;
      const dnsLabels = { ...dns.podLabels };
      const labelText = Object.entries(dnsLabels)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ');
      for (const w of ctx.workloads) {
        if (policiesFor(ctx, w, 'Egress').length === 0) continue;
        const ok = ['UDP', 'TCP'].some((protocol) =>
          allowed(ctx, w, 'Egress', (peer) => peerAdmits(ctx, peer, w.namespace, dns.namespace, dnsLabels), 53, 'dns', protocol),
        );
        if (!ok)
          yield {
            item: w.item,
            path: [...w.templatePath, 'metadata', 'labels'],
            found: `${w.kind} ${w.name} cannot resolve names: no NetworkPolicy allows its egress to the cluster DNS (${dns.namespace}, ${labelText}) on port 53`,
            fix: `allow egress to namespaceSelector ${NAME_LABEL}: ${dns.namespace} with podSelector ${labelText} on port 53 (UDP and TCP)`,
          };
      }
    },
  },
  {
    id: 'ingress-controller-allowed',
    severity: 'error',
    description: 'pods behind an Ingress accept traffic from another namespace (the ingress controller) on the target port',
    source: 'practice (default deny blocks the ingress controller)',
    *check(ctx) {
      for (const ing of ctx.ofKind('Ingress')) {
        const ns = refOf(ing.object).namespace;
        for (const b of ingressBackends(asRecord(ing.object.spec))) {
          const service = ctx.find('Service', ns, String(b.service.name));
          if (!service || ns === undefined) continue;
          const port = asRecord(b.service.port);
          const servicePort = asArray(service.object.spec?.ports).find((p) =>
            port.number !== undefined ? p.port === port.number : p.name === port.name,
          );
          if (!servicePort) continue;
          for (const w of ctx.selectedByMap(ns, stringMap(service.object.spec?.selector))) {
            const target = resolveTarget(w, servicePort);
            // A target that is not a container port is service-target-port's finding, not this rule's.
            if (target.number === undefined || !containerPorts(w).numbers.has(target.number)) continue;
            const fromOtherNamespace = (peer: Record<string, unknown>) =>
              isObject(peer.namespaceSelector) && !selectorMatchesOnly(peer.namespaceSelector, ns);
            if (!allowed(ctx, w, 'Ingress', fromOtherNamespace, target.number, target.name)) {
              yield {
                item: w.item,
                path: [...w.templatePath, 'metadata', 'labels'],
                found: `${w.kind} ${w.name} serves Ingress ${refOf(ing.object).name} but no NetworkPolicy admits the ingress controller’s namespace on port ${target.number ?? target.name}`,
                fix: 'allow ingress from a namespaceSelector matching the ingress controller namespace on the target port',
              };
            }
          }
        }
      }
    },
  },
  {
    id: 'network-flow',
    severity: 'error',
    description: 'pod-to-pod flows allowed on one side (ingress or egress) are allowed on the other',
    source: 'practice (api/worker/jobs → postgres and redis)',
    *check(ctx) {
      yield* flows(ctx);
    },
  },
];

/** True when a namespaceSelector can only match the given namespace by name. */
function selectorMatchesOnly(selector: unknown, namespace: string): boolean {
  const labels = stringMap(asRecord(selector).matchLabels);
  return labels[NAME_LABEL] === namespace;
}

/**
 * For every same-namespace flow one side allows, the other side must allow it too: an ingress
 * allow whose sources cannot send (egress denied) or an egress allow whose target refuses it
 * is a flow that silently fails at run time.
 */
function* flows(ctx: CheckContext): Iterable<Located> {
  for (const own of ctx.workloads) {
    const namespace = own.namespace;
    if (namespace === undefined) continue;
    for (const direction of ['Ingress', 'Egress'] as const) {
      const ingress = direction === 'Ingress';
      for (const np of policiesFor(ctx, own, direction)) {
        for (const rule of asArray(ingress ? np.object.spec?.ingress : np.object.spec?.egress)) {
          for (const peer of asArray(ingress ? rule.from : rule.to)) {
            if (peer.namespaceSelector !== undefined || peer.podSelector === undefined) continue;
            for (const other of ctx.workloads.filter(
              (o) => o.namespace === namespace && o !== own && selectorMatches(peer.podSelector, o.podLabels),
            )) {
              const [src, dst] = ingress ? [other, own] : [own, other];
              for (const port of rulePorts(rule, dst)) {
                // The other end must allow the same flow in the opposite direction.
                const ok = allowed(
                  ctx,
                  other,
                  ingress ? 'Egress' : 'Ingress',
                  (p) => peerAdmits(ctx, p, other.namespace, namespace, own.podLabels),
                  port.number,
                  port.name,
                );
                if (ok) continue;
                const on = port.number ?? port.name;
                const policy = refOf(np.object).name;
                yield {
                  item: src.item,
                  path: [...src.templatePath, 'metadata', 'labels'],
                  found: ingress
                    ? `NetworkPolicy ${policy} admits ${src.kind} ${src.name} into ${dst.kind} ${dst.name} on port ${on}, but no policy allows that egress`
                    : `NetworkPolicy ${policy} lets ${src.kind} ${src.name} send to ${dst.kind} ${dst.name} on port ${on}, but no policy admits it there`,
                  fix: ingress
                    ? `allow egress from ${src.name} to the ${dst.name} pods on port ${on}, or drop the ingress allow`
                    : `allow ingress into ${dst.name} from the ${src.name} pods on port ${on}, or drop the egress allow`,
                };
              }
            }
          }
        }
      }
    }
  }
}

/** The ports a rule names, resolved against the destination's container ports; all if none. */
function rulePorts(rule: Record<string, unknown>, dst: Workload): { number?: number; name?: string }[] {
  const ports = asArray(rule.ports).filter((p) => (p.protocol ?? 'TCP') === 'TCP');
  if (asArray(rule.ports).length === 0) return [...containerPorts(dst).numbers].map((n) => ({ number: n }));
  return ports.map((p) =>
    typeof p.port === 'number' ? { number: p.port } : { number: containerPorts(dst).names.get(String(p.port)), name: String(p.port) },
  );
}
