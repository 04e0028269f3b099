import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentChart } from './environment-chart';
import * as k8s from './private/k8s';
import { validateProps } from './private/validate';
import type { IPodSelectable } from './types';
import { DEFAULT_DNS_PEER, type DnsPeer } from '../core/dns-peer';
import { checkDnsLabel, checkPort } from '../core/value-rules';

/** Properties of `NetworkPolicies`. */
export interface NetworkPoliciesProps {
  /**
   * Namespace of the cluster DNS pods that DNS egress is allowed to.
   * @default 'kube-system'
   */
  readonly dnsNamespace?: string;
  /**
   * Label that selects the cluster DNS pods.
   * @default { 'k8s-app': 'kube-dns' }
   */
  readonly dnsPodLabels?: Readonly<Record<string, string>>;
}

/** Where traffic from outside the namespace comes from, e.g. the ingress controller. */
export interface NamespacePeer {
  /** Readable name used in rule descriptions, e.g. `ingress-nginx`. */
  readonly name: string;
  readonly namespace: string;
  /** @default - every pod of that namespace */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** Traffic to outside the cluster, e.g. an SMTP relay. */
export interface ExternalPeer {
  readonly name: string;
  /** CIDR of the destination, e.g. `0.0.0.0/0`. */
  readonly cidr: string;
  /** @default [] */
  readonly except?: readonly string[];
}

type Peer = { kind: 'pod'; of: IPodSelectable } | { kind: 'namespace'; of: NamespacePeer } | { kind: 'external'; of: ExternalPeer };

interface Edge {
  readonly peer: Peer;
  readonly port: number;
}

/**
 * The namespace's network policy: default-deny for ingress and egress, DNS egress for every pod,
 * and one NetworkPolicy per workload that lists exactly the traffic allowed with `allow*`.
 * Each allowed edge opens both ends: egress on the client and ingress on the server.
 */
export class NetworkPolicies extends Construct {
  readonly defaultDeny: k8s.KubeNetworkPolicy;
  readonly allowDns: k8s.KubeNetworkPolicy;
  /** The DNS peer egress is allowed to; pass it to check's profile (`dnsPeer`) so `dns-egress` looks for the same one. */
  readonly dnsPeer: DnsPeer;
  private readonly chart: EnvironmentChart;
  private readonly ingress = new Map<string, { target: IPodSelectable; edges: Edge[] }>();
  private readonly egress = new Map<string, { target: IPodSelectable; edges: Edge[] }>();
  private readonly policies = new Map<string, k8s.KubeNetworkPolicy>();

  constructor(scope: Construct, id: string, props: NetworkPoliciesProps = {}) {
    validateProps(`NetworkPolicies '${id}'`, props, [
      {
        when: (p) => p.dnsNamespace !== undefined && checkDnsLabel(p.dnsNamespace) !== undefined,
        message: (p) => `dnsNamespace (${JSON.stringify(p.dnsNamespace)}) ${checkDnsLabel(p.dnsNamespace!)}`,
      },
    ]);
    super(scope, id);
    this.chart = EnvironmentChart.of(this);
    const meta = (name: string) => this.chart.metadataFor({ name, component: 'network-policy' });

    this.defaultDeny = new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: meta('default-deny'),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    this.dnsPeer = {
      namespace: props.dnsNamespace ?? DEFAULT_DNS_PEER.namespace,
      podLabels: { ...(props.dnsPodLabels ?? DEFAULT_DNS_PEER.podLabels) },
    };
    const dnsPorts = [
      { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
      { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
    ];
    this.allowDns = new k8s.KubeNetworkPolicy(this, 'AllowDns', {
      metadata: meta('allow-dns-egress'),
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': this.dnsPeer.namespace } },
                podSelector: { matchLabels: { ...this.dnsPeer.podLabels } },
              },
            ],
            ports: dnsPorts,
          },
        ],
      },
    });
  }

  /** Allows pods of `from` to reach pods of `to` on `port`. */
  allow(from: IPodSelectable, to: IPodSelectable, port: number): void {
    this.checkPort(port, `allow(${from.name} -> ${to.name})`);
    this.add(this.egress, from, { peer: { kind: 'pod', of: to }, port });
    this.add(this.ingress, to, { peer: { kind: 'pod', of: from }, port });
  }

  /** Allows traffic from another namespace (e.g. the ingress controller) to `to` on `port`. */
  allowFromNamespace(from: NamespacePeer, to: IPodSelectable, port: number): void {
    this.checkPort(port, `allowFromNamespace(${from.name} -> ${to.name})`);
    const problem = checkDnsLabel(from.namespace);
    if (problem) throw new Error(`allowFromNamespace: namespace (${JSON.stringify(from.namespace)}) ${problem}`);
    this.add(this.ingress, to, { peer: { kind: 'namespace', of: from }, port });
  }

  /** Allows `from` to reach an address outside the cluster on `port`. */
  allowToExternal(from: IPodSelectable, to: ExternalPeer, port: number): void {
    this.checkPort(port, `allowToExternal(${from.name} -> ${to.name})`);
    this.add(this.egress, from, { peer: { kind: 'external', of: to }, port });
  }

  private checkPort(port: number, where: string): void {
    const problem = checkPort(port);
    if (problem) throw new Error(`${where}: port (${port}) ${problem}`);
  }

  private add(map: Map<string, { target: IPodSelectable; edges: Edge[] }>, target: IPodSelectable, edge: Edge): void {
    const entry = map.get(target.name) ?? { target, edges: [] };
    entry.edges.push(edge);
    map.set(target.name, entry);
    this.ensurePolicy(target);
  }

  private ensurePolicy(target: IPodSelectable): void {
    if (this.policies.has(target.name)) return;
    const name = `${target.name}`;
    const policy = new k8s.KubeNetworkPolicy(this, `Policy-${name}`, {
      metadata: this.chart.metadataFor({ name, component: 'network-policy' }),
      spec: Lazy.any({ produce: () => this.specFor(target) }) as unknown as k8s.NetworkPolicySpec,
    });
    this.policies.set(target.name, policy);
  }

  private specFor(target: IPodSelectable): k8s.NetworkPolicySpec {
    const ingress = this.ingress.get(target.name)?.edges ?? [];
    const egress = this.egress.get(target.name)?.edges ?? [];
    const types = [...(ingress.length > 0 ? ['Ingress'] : []), ...(egress.length > 0 ? ['Egress'] : [])];
    return {
      podSelector: { matchLabels: { ...target.selectorLabels } },
      policyTypes: types,
      ...(ingress.length > 0 ? { ingress: groupByPort(ingress).map(({ port, peers }) => ({ from: peers.map(toPeer), ports: [tcp(port)] })) } : {}),
      ...(egress.length > 0 ? { egress: groupByPort(egress).map(({ port, peers }) => ({ to: peers.map(toPeer), ports: [tcp(port)] })) } : {}),
    };
  }
}

function tcp(port: number): k8s.NetworkPolicyPort {
  return { protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) };
}

function peerKey(p: Peer): string {
  return `${p.kind}:${p.of.name}`;
}

/** One rule per port, peers sorted, so the output does not depend on the order of `allow` calls. */
function groupByPort(edges: readonly Edge[]): { port: number; peers: Peer[] }[] {
  const byPort = new Map<number, Map<string, Peer>>();
  for (const e of edges) {
    const peers = byPort.get(e.port) ?? new Map<string, Peer>();
    peers.set(peerKey(e.peer), e.peer);
    byPort.set(e.port, peers);
  }
  return [...byPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, peers]) => ({ port, peers: [...peers.values()].sort((a, b) => peerKey(a).localeCompare(peerKey(b))) }));
}

function toPeer(p: Peer): k8s.NetworkPolicyPeer {
  switch (p.kind) {
    case 'pod':
      return { podSelector: { matchLabels: { ...p.of.selectorLabels } } };
    case 'namespace':
      return {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': p.of.namespace } },
        ...(p.of.podLabels ? { podSelector: { matchLabels: { ...p.of.podLabels } } } : {}),
      };
    case 'external':
      return { ipBlock: { cidr: p.of.cidr, ...(p.of.except?.length ? { except: [...p.of.except] } : {}) } };
  }
}
