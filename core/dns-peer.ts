// The cluster DNS that default-deny namespaces must still reach: the NetworkPolicies construct
// allows egress to it, and check's `dns-egress` rule looks for exactly that peer.

/** Where the cluster DNS pods run. */
export interface DnsPeer {
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
}

/** kube-dns / CoreDNS as most clusters run it. */
export const DEFAULT_DNS_PEER: DnsPeer = { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } };
