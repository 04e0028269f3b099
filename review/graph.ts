// The topology of one environment, read off its synthesized objects, drawn as a Mermaid flowchart:
// ingress → services → workloads → data stores, the connections network policies allow, and the cron jobs.
import { apiGroup } from './objects';
import { DEPLOY_ROLE_ANNOTATION } from '../core/deploy-role';
import { selectorMatches, type LabelSelector } from '../core/label-selector';
import { admittingRules, NAMESPACE_NAME_LABEL, peerAdmits, policySelects, type PolicyDirection } from '../core/network-policy';
import { getIn } from '../core/object-path';
import { KubeObject } from '../core/kube-object';

type Labels = Readonly<Record<string, string>>;

interface PolicyPort {
  readonly protocol?: string;
  readonly port?: number | string;
  readonly endPort?: number;
}

interface PolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: {
    readonly cidr: string;
    readonly except?: readonly string[];
  };
}

interface PolicyRule {
  readonly ports?: readonly PolicyPort[];
  readonly from?: readonly PolicyPeer[];
  readonly to?: readonly PolicyPeer[];
}

interface NetworkPolicySpec {
  readonly podSelector: LabelSelector;
  readonly policyTypes?: readonly ('Ingress' | 'Egress')[];
  readonly ingress?: readonly PolicyRule[];
  readonly egress?: readonly PolicyRule[];
}

export type NodeKind = 'ingress' | 'service' | 'workload' | 'datastore' | 'job' | 'cronjob' | 'external';

export interface GraphNode {
  readonly id: string;
  readonly kind: NodeKind;
  /** Lines of the node's text; the first is `Kind name`. */
  readonly lines: readonly string[];
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  /** `route` for ingress → service → pods, `network` for a connection network policies allow. */
  readonly type: 'route' | 'network';
  readonly label?: string;
}

export interface Graph {
  readonly namespace?: string;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/** A workload, job or cron job, with the labels its pods carry. */
interface PodGroup {
  readonly id: string;
  readonly namespace: string;
  readonly podLabels: Labels;
}

const matches = (selector: LabelSelector | undefined, labels: Labels): boolean => selectorMatches(selector, labels);

function nodeId(kind: string, name: string): string {
  return `${kind}_${name}`.replace(/[^A-Za-z0-9_]/g, '_');
}

const get = <T>(value: unknown, ...path: string[]): T | undefined => getIn(value, path) as T | undefined;

const POD_TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

function workloadNode(obj: KubeObject): GraphNode | undefined {
  const name = obj.metadata.name;
  const id = nodeId(obj.kind, name);
  switch (obj.kind) {
    case 'Deployment':
    case 'DaemonSet':
      return {
        id,
        kind: obj.metadata.annotations?.[DEPLOY_ROLE_ANNOTATION] === 'datastore' ? 'datastore' : 'workload',
        lines: [`${obj.kind} ${name}`],
      };
    case 'StatefulSet':
      return { id, kind: 'datastore', lines: [`StatefulSet ${name}`] };
    case 'Job':
      return { id, kind: 'job', lines: [`Job ${name}`] };
    case 'CronJob': {
      const schedule = get<string>(obj, 'spec', 'schedule') ?? '';
      const timeZone = get<string>(obj, 'spec', 'timeZone');
      return {
        id,
        kind: 'cronjob',
        lines: [`CronJob ${name}`, timeZone ? `${schedule} (${timeZone})` : schedule],
      };
    }
    default:
      return undefined;
  }
}

function formatPorts(ports: readonly PolicyPort[] | undefined): string | undefined {
  if (!ports || ports.length === 0) return undefined;
  return ports.map((p) => `${p.port ?? 'any'}${p.endPort !== undefined ? `-${p.endPort}` : ''}/${p.protocol ?? 'TCP'}`).join(', ');
}

function formatSelector(selector: LabelSelector | undefined): string {
  const parts = [
    ...Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(selector?.matchExpressions ?? []).map((e) => `${e.key} ${e.operator} ${(e.values ?? []).join(',')}`.trim()),
  ];
  return parts.length > 0 ? parts.join(', ') : 'all';
}

/** Builds the topology graph of one environment's objects. */
/** What the sections of `buildGraph` share: the nodes and edges so far, and where each object lives. */
interface GraphParts {
  readonly nodes: Map<string, GraphNode>;
  readonly addEdge: (e: GraphEdge) => void;
  readonly nsOf: (o: KubeObject) => string;
}

export function buildGraph(objects: readonly KubeObject[]): Graph {
  const namespaces = objects.filter((o) => o.kind === 'Namespace' && apiGroup(o.apiVersion) === '');
  const namespace = namespaces.length === 1 ? namespaces[0].metadata.name : undefined;
  const namespaceLabels = new Map<string, Labels>(
    namespaces.map((n) => [
      n.metadata.name,
      {
        'kubernetes.io/metadata.name': n.metadata.name,
        ...(n.metadata.labels ?? {}),
      },
    ]),
  );
  const nsOf = (o: KubeObject) => o.metadata.namespace ?? namespace ?? '';
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const addEdge = (e: GraphEdge) => edges.set(`${e.from}|${e.to}|${e.type}`, mergeLabel(edges.get(`${e.from}|${e.to}|${e.type}`), e));
  const parts: GraphParts = { nodes, addEdge, nsOf };

  const groups = addWorkloads(objects, parts);
  addServiceRoutes(objects, groups, parts);
  addIngressRoutes(objects, parts);
  addPolicyEdges(namespace, objects, groups, namespaceLabels, nsOf, nodes, addEdge);

  const known = (id: string) => nodes.has(id) || (namespace !== undefined && id === nodeId('ns', namespace));
  return {
    namespace,
    nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)),
    edges: [...edges.values()]
      .filter((e) => known(e.from) && known(e.to))
      .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.type.localeCompare(b.type)),
  };
}

/** A node per workload, and the pod labels each one's pods carry. */
function addWorkloads(objects: readonly KubeObject[], { nodes, nsOf }: GraphParts): PodGroup[] {
  const groups: PodGroup[] = [];
  for (const obj of objects) {
    const node = workloadNode(obj);
    const templatePath = POD_TEMPLATE_PATHS[obj.kind];
    if (!node || !templatePath) continue;
    nodes.set(node.id, node);
    groups.push({
      id: node.id,
      namespace: nsOf(obj),
      podLabels: get<Labels>(obj, ...templatePath, 'metadata', 'labels') ?? {},
    });
  }
  return groups;
}

/** A node per Service, and a route to each workload whose pods it selects. */
function addServiceRoutes(objects: readonly KubeObject[], groups: readonly PodGroup[], { nodes, addEdge, nsOf }: GraphParts): void {
  const services = objects.filter((o) => o.kind === 'Service' && apiGroup(o.apiVersion) === '');
  for (const svc of services) {
    const id = nodeId('Service', svc.metadata.name);
    const ports = (get<{ port: number; protocol?: string }[]>(svc, 'spec', 'ports') ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`);
    nodes.set(id, {
      id,
      kind: 'service',
      lines: [`Service ${svc.metadata.name}`, ...(ports.length > 0 ? [ports.join(', ')] : [])],
    });
    const selector = get<Labels>(svc, 'spec', 'selector');
    if (!selector) continue;
    for (const g of groups) {
      const node = nodes.get(g.id)!;
      // Jobs and cron jobs are never a Service's backend, even when their labels happen to match.
      if (g.namespace === nsOf(svc) && node.kind !== 'job' && node.kind !== 'cronjob' && matches({ matchLabels: selector }, g.podLabels)) {
        addEdge({ from: id, to: g.id, type: 'route' });
      }
    }
  }
}

/** A node per Ingress, and a route to each backend Service (with its path). */
function addIngressRoutes(objects: readonly KubeObject[], { nodes, addEdge }: GraphParts): void {
  for (const ing of objects.filter((o) => o.kind === 'Ingress')) {
    const id = nodeId('Ingress', ing.metadata.name);
    const rules =
      get<
        {
          host?: string;
          http?: {
            paths?: {
              path?: string;
              backend?: { service?: { name: string } };
            }[];
          };
        }[]
      >(ing, 'spec', 'rules') ?? [];
    const hosts = rules.map((r) => r.host).filter((h): h is string => !!h);
    nodes.set(id, {
      id,
      kind: 'ingress',
      lines: [`Ingress ${ing.metadata.name}`, ...hosts],
    });
    const backends = rules.flatMap((r) =>
      (r.http?.paths ?? []).map((p) => ({
        name: p.backend?.service?.name,
        path: p.path,
      })),
    );
    const defaultBackend = get<string>(ing, 'spec', 'defaultBackend', 'service', 'name');
    if (defaultBackend) backends.push({ name: defaultBackend, path: undefined });
    for (const b of backends) {
      if (b.name)
        addEdge({
          from: id,
          to: nodeId('Service', b.name),
          type: 'route',
          label: b.path,
        });
    }
  }
}

function mergeLabel(existing: GraphEdge | undefined, next: GraphEdge): GraphEdge {
  if (!existing) return next;
  const labels = [...new Set([existing.label, next.label].flatMap((l) => (l ? l.split(', ') : [])))].sort();
  return {
    ...existing,
    label: labels.length > 0 ? labels.join(', ') : undefined,
  };
}

function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0;
}

function addPolicyEdges(
  namespace: string | undefined,
  objects: readonly KubeObject[],
  groups: readonly PodGroup[],
  namespaceLabels: ReadonlyMap<string, Labels>,
  nsOf: (o: KubeObject) => string,
  nodes: Map<string, GraphNode>,
  addEdge: (e: GraphEdge) => void,
): void {
  const policies = objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .map((o) => ({
      namespace: nsOf(o),
      spec: (o.spec ?? { podSelector: {} }) as NetworkPolicySpec,
    }));
  // Policy evaluation is core/network-policy.ts's, the same check's network rules use.
  const selecting = (g: PodGroup, type: PolicyDirection) =>
    policies.filter((p) => policySelects(p.spec, p.namespace, g.namespace, g.podLabels, type));
  const isolated = (g: PodGroup, type: PolicyDirection) => selecting(g, type).length > 0;
  const labelsOf = (ns: string) => namespaceLabels.get(ns) ?? { [NAMESPACE_NAME_LABEL]: ns };
  const peerSelects = (peer: PolicyPeer, policyNs: string, g: PodGroup) =>
    peerAdmits(peer as Record<string, unknown>, policyNs, g.namespace, g.podLabels, labelsOf);
  const isExternal = (peer: PolicyPeer) =>
    !!peer.ipBlock || (!!peer.namespaceSelector && ![...namespaceLabels.values()].some((l) => matches(peer.namespaceSelector, l)));
  const externalNode = (peer: PolicyPeer): GraphNode => {
    if (peer.ipBlock) {
      const except = peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(', ')}` : '';
      return {
        id: nodeId('ext_cidr', peer.ipBlock.cidr),
        kind: 'external',
        lines: [`CIDR ${peer.ipBlock.cidr}${except}`],
      };
    }
    const ns = formatSelector(peer.namespaceSelector);
    const pods = peer.podSelector ? [`pods ${formatSelector(peer.podSelector)}`] : [];
    return {
      id: nodeId('ext', `${ns}_${pods.join('')}`),
      kind: 'external',
      lines: [`namespaces ${ns}`, ...pods],
    };
  };

  // Rules that name this environment's pods: the connection needs the other side to allow it too.
  const allows = (spec: NetworkPolicySpec, direction: PolicyDirection, policyNs: string, other: PodGroup) =>
    admittingRules(spec, direction, (peer) => peerSelects(peer as PolicyPeer, policyNs, other)) as PolicyRule[];
  for (const a of groups) {
    for (const b of groups) {
      if (a === b) continue;
      const egress = selecting(a, 'Egress').flatMap((p) =>
        allows(p.spec, 'Egress', p.namespace, b).map((r) => ({
          r,
          explicit: (r.to ?? []).length > 0,
        })),
      );
      const ingress = selecting(b, 'Ingress').flatMap((p) =>
        allows(p.spec, 'Ingress', p.namespace, a).map((r) => ({
          r,
          explicit: (r.from ?? []).length > 0,
        })),
      );
      const egressOk = !isolated(a, 'Egress') || egress.length > 0;
      const ingressOk = !isolated(b, 'Ingress') || ingress.length > 0;
      const named = egress.some((e) => e.explicit) || ingress.some((i) => i.explicit);
      if (!egressOk || !ingressOk || !named) continue;
      const ports = ingress.find((i) => i.explicit)?.r.ports ?? egress.find((e) => e.explicit)?.r.ports;
      addEdge({
        from: a.id,
        to: b.id,
        type: 'network',
        label: formatPorts(ports),
      });
    }
  }

  for (const p of policies) {
    // A rule for every pod of the namespace is drawn once, from the namespace box, instead of once per workload.
    const everyPod = isEmptySelector(p.spec.podSelector) && p.namespace === namespace;
    const targets = everyPod
      ? [nodeId('ns', p.namespace)]
      : groups.filter((g) => g.namespace === p.namespace && matches(p.spec.podSelector, g.podLabels)).map((g) => g.id);
    for (const rule of p.spec.ingress ?? []) {
      for (const peer of (rule.from ?? []).filter(isExternal)) {
        const ext = externalNode(peer);
        nodes.set(ext.id, ext);
        for (const t of targets)
          addEdge({
            from: ext.id,
            to: t,
            type: 'network',
            label: formatPorts(rule.ports),
          });
      }
    }
    for (const rule of p.spec.egress ?? []) {
      for (const peer of (rule.to ?? []).filter(isExternal)) {
        const ext = externalNode(peer);
        nodes.set(ext.id, ext);
        for (const t of targets)
          addEdge({
            from: t,
            to: ext.id,
            type: 'network',
            label: formatPorts(rule.ports),
          });
      }
    }
  }
}

/** One readable line per edge, naming nodes by kind and name, used to tell whether a change altered the topology. */
export function edgeSet(g: Graph): string[] {
  const names = new Map(g.nodes.map((n) => [n.id, n.kind === 'external' ? n.lines.join(' ') : n.lines[0]]));
  if (g.namespace) names.set(nodeId('ns', g.namespace), `namespace ${g.namespace}`);
  return g.edges
    .map((e) => `${names.get(e.from)} ${e.type === 'route' ? '-->' : '-.->'} ${names.get(e.to)}${e.label ? ` (${e.label})` : ''}`)
    .sort();
}

const SHAPES: Readonly<Record<NodeKind, readonly [string, string]>> = {
  ingress: ['[/', '/]'],
  service: ['([', '])'],
  workload: ['[', ']'],
  datastore: ['[(', ')]'],
  job: ['[[', ']]'],
  cronjob: ['{{', '}}'],
  external: ['>', ']'],
};

function mermaidText(lines: readonly string[]): string {
  return `"${lines.map((l) => l.replace(/"/g, '#quot;')).join('<br/>')}"`;
}

/** The graph as a Mermaid flowchart, which GitHub renders in pull requests and READMEs. */
export function renderMermaid(g: Graph): string {
  const node = (n: GraphNode) => `${n.id}${SHAPES[n.kind][0]}${mermaidText(n.lines)}${SHAPES[n.kind][1]}`;
  const inside = g.nodes.filter((n) => n.kind !== 'external');
  const outside = g.nodes.filter((n) => n.kind === 'external');
  const out = ['flowchart LR'];
  out.push(...outside.map((n) => `  ${node(n)}`));
  if (g.namespace) {
    out.push(`  subgraph ${nodeId('ns', g.namespace)}["namespace ${g.namespace}"]`, ...inside.map((n) => `    ${node(n)}`), '  end');
  } else {
    out.push(...inside.map((n) => `  ${node(n)}`));
  }
  for (const e of g.edges) {
    const label = e.label ? `|${mermaidText([e.label])}|` : '';
    out.push(`  ${e.from} ${e.type === 'route' ? '-->' : '-.->'}${label} ${e.to}`);
  }
  return `${out.join('\n')}\n`;
}
