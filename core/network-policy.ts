// The one evaluation of NetworkPolicies over plain objects: which policies select a pod, which
// peers and ports a rule admits. check's network rules and review's graph both ask it, so they
// cannot disagree on whether a flow is allowed.
import { selectorMatches } from './label-selector';

export type PolicyDirection = 'Ingress' | 'Egress';

/** The label the API sets on every Namespace, naming it. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);

/** The directions a NetworkPolicy spec restricts, with the API's defaulting of policyTypes. */
export function policyTypes(spec: unknown): PolicyDirection[] {
  const s = isRecord(spec) ? spec : {};
  if (Array.isArray(s.policyTypes)) return s.policyTypes.filter((t): t is PolicyDirection => t === 'Ingress' || t === 'Egress');
  return s.egress !== undefined && s.egress !== null ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** Whether a policy (in `policyNamespace`) applies to pods with `labels` in `namespace`, in `direction`. */
export function policySelects(
  spec: unknown,
  policyNamespace: string | undefined,
  namespace: string | undefined,
  labels: Readonly<Record<string, string>>,
  direction: PolicyDirection,
): boolean {
  return (
    policyNamespace === namespace &&
    selectorMatches(isRecord(spec) ? spec.podSelector : undefined, labels) &&
    policyTypes(spec).includes(direction)
  );
}

/**
 * Whether a policy peer, seen from a policy in `policyNamespace`, names pods with `labels` in
 * `namespace`; `namespaceLabels` gives a namespace's labels. An ipBlock names no pod.
 */
export function peerAdmits(
  peer: Json,
  policyNamespace: string | undefined,
  namespace: string,
  labels: Readonly<Record<string, string>>,
  namespaceLabels: (namespace: string) => Readonly<Record<string, string>>,
): boolean {
  if (peer.ipBlock !== undefined) return false;
  const nsOk =
    peer.namespaceSelector === undefined
      ? namespace === policyNamespace
      : selectorMatches(peer.namespaceSelector, namespaceLabels(namespace));
  return nsOk && (peer.podSelector === undefined || selectorMatches(peer.podSelector, labels));
}

/** A port to test a rule against: by number and optionally by name; TCP unless said. */
export interface FlowPort {
  readonly number?: number;
  readonly name?: string;
  readonly protocol?: string;
}

/** Whether a rule's ports admit `port`; with no port given, whether they admit any. */
export function portsAdmit(rule: Json, port?: FlowPort): boolean {
  const ports = records(rule.ports);
  if (ports.length === 0 || port === undefined) return true;
  const protocol = port.protocol ?? 'TCP';
  return ports.some(
    (p) =>
      (p.protocol ?? 'TCP') === protocol &&
      (p.port === undefined ||
        p.port === port.number ||
        (port.name !== undefined && p.port === port.name) ||
        (typeof p.port === 'number' &&
          port.number !== undefined &&
          typeof p.endPort === 'number' &&
          port.number >= p.port &&
          port.number <= p.endPort)),
  );
}

/** The rules of a policy in `direction` that admit a peer matched by `matches` (on `port`, or on any). */
export function admittingRules(spec: unknown, direction: PolicyDirection, matches: (peer: Json) => boolean, port?: FlowPort): Json[] {
  const s = isRecord(spec) ? spec : {};
  const peersField = direction === 'Ingress' ? 'from' : 'to';
  return records(direction === 'Ingress' ? s.ingress : s.egress).filter((rule) => {
    const peers = records(rule[peersField]);
    return (rule[peersField] === undefined || peers.length === 0 || peers.some(matches)) && portsAdmit(rule, port);
  });
}
