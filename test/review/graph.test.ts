import * as path from 'node:path';
import { buildGraph, edgeSet, renderMermaid } from '../../review/graph';
import { loadManifestDir, parseManifest } from '../../review/objects';
import { KubeObject } from '../../core/kube-object';
import { synthesizeWorkingTree } from '../../app/synthesize';

const STACK = loadManifestDir(path.join(__dirname, '../fixtures/review/stack')).get('prod')!;

describe('buildGraph on a TaskNote-shaped stack', () => {
  test('draws ingress → service → workloads, the allowed network edges and the cron jobs', () => {
    expect(edgeSet(buildGraph(STACK))).toEqual([
      'CronJob tasknote-daily-summary -.-> CIDR 0.0.0.0/0 except 10.0.0.0/8 (587/TCP)',
      'CronJob tasknote-daily-summary -.-> StatefulSet tasknote-postgres (5432/TCP)',
      'CronJob tasknote-db-backup -.-> StatefulSet tasknote-postgres (5432/TCP)',
      'Deployment tasknote-api -.-> StatefulSet tasknote-postgres (5432/TCP)',
      'Deployment tasknote-api -.-> StatefulSet tasknote-redis (6379/TCP)',
      'Deployment tasknote-worker -.-> CIDR 0.0.0.0/0 except 10.0.0.0/8 (587/TCP)',
      'Deployment tasknote-worker -.-> StatefulSet tasknote-postgres (5432/TCP)',
      'Deployment tasknote-worker -.-> StatefulSet tasknote-redis (6379/TCP)',
      'Ingress tasknote-api --> Service tasknote-api (/)',
      'Job tasknote-migrate -.-> StatefulSet tasknote-postgres (5432/TCP)',
      'Service tasknote-api --> Deployment tasknote-api',
      'Service tasknote-postgres --> StatefulSet tasknote-postgres',
      'Service tasknote-redis --> StatefulSet tasknote-redis',
      'namespace tasknote-prod -.-> namespaces kubernetes.io/metadata.name=kube-system pods k8s-app=kube-dns (53/UDP, 53/TCP)',
      'namespaces kubernetes.io/metadata.name=ingress-nginx -.-> Deployment tasknote-api (http/TCP)',
    ]);
  });

  test('renders Mermaid with the namespace as a box and shapes by role', () => {
    const mermaid = renderMermaid(buildGraph(STACK));
    expect(mermaid.startsWith('flowchart LR\n')).toBe(true);
    expect(mermaid).toContain('  subgraph ns_tasknote_prod["namespace tasknote-prod"]\n');
    expect(mermaid).toContain('    StatefulSet_tasknote_postgres[("StatefulSet tasknote-postgres")]\n');
    expect(mermaid).toContain('    CronJob_tasknote_daily_summary{{"CronJob tasknote-daily-summary<br/>0 7 * * * (Europe/Berlin)"}}\n');
    expect(mermaid).toContain('    Ingress_tasknote_api[/"Ingress tasknote-api<br/>tasknote.example.com"/]\n');
    expect(mermaid).toContain('  Deployment_tasknote_api -.->|"5432/TCP"| StatefulSet_tasknote_postgres\n');
  });

  test('draws no edge that only one side of a default-deny allows', () => {
    const withoutRedisIngress = STACK.filter((o) => o.metadata.name !== 'tasknote-redis-ingress');
    const edges = edgeSet(buildGraph(withoutRedisIngress));
    expect(edges.filter((e) => e.includes('-.-> StatefulSet tasknote-redis'))).toEqual([]);
  });

  test('draws an allowed edge without a default deny when a policy names it', () => {
    const objects: KubeObject[] = parseManifest(
      [
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: n}\nspec: {template: {metadata: {labels: {app: a}}}}',
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b, namespace: n}\nspec: {template: {metadata: {labels: {app: b}}}}',
        'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: n}\nspec: {podSelector: {matchLabels: {app: b}}, ingress: [{from: [{podSelector: {matchLabels: {app: a}}}]}]}',
      ].join('\n---\n'),
      'inline',
    );
    expect(edgeSet(buildGraph(objects))).toEqual(['Deployment a -.-> Deployment b']);
  });
});

describe('buildGraph on the synthesized prod stack', () => {
  test('has the edges TaskNote relies on', () => {
    const edges = edgeSet(buildGraph(synthesizeWorkingTree(['prod']).get('prod')!));
    expect(edges).toEqual(
      expect.arrayContaining([
        'Ingress tasknote-api --> Service tasknote-api (/)',
        'Service tasknote-api --> Deployment tasknote-api',
        'Service tasknote-postgres --> StatefulSet tasknote-postgres',
        'Service tasknote-redis --> Deployment tasknote-redis',
        'Deployment tasknote-api -.-> StatefulSet tasknote-postgres (5432/TCP)',
        'Deployment tasknote-api -.-> Deployment tasknote-redis (6379/TCP)',
        'Deployment tasknote-worker -.-> StatefulSet tasknote-postgres (5432/TCP)',
        'Job tasknote-migrate -.-> StatefulSet tasknote-postgres (5432/TCP)',
        'CronJob tasknote-daily-summary -.-> StatefulSet tasknote-postgres (5432/TCP)',
        'CronJob tasknote-db-backup -.-> StatefulSet tasknote-postgres (5432/TCP)',
      ]),
    );
    expect(edges.filter((e) => e.startsWith('namespaces kubernetes.io/metadata.name=ingress-nginx'))).toEqual([
      'namespaces kubernetes.io/metadata.name=ingress-nginx -.-> Deployment tasknote-api (8080/TCP)',
    ]);
    expect(edges.some((e) => e.includes('-.-> Deployment tasknote-worker'))).toBe(false);
  });
});
