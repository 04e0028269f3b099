import * as path from 'node:path';
import { alignNamespace, diffManifests, diffObject, hasChanges, soleNamespace } from '../../review/diff';
import { loadManifestDir, diffKey, parseManifest } from '../../review/objects';
import { KubeObject } from '../../core/kube-object';
import { DiffReport, imageLine, renderMarkdown, renderText } from '../../review/render';

const TREES = path.join(__dirname, '../fixtures/review/trees');

function fixtureReport(): DiffReport {
  const base = loadManifestDir(path.join(TREES, 'base'));
  const head = loadManifestDir(path.join(TREES, 'head'));
  return {
    baseLabel: 'base',
    headLabel: 'head',
    notes: [],
    environments: ['dev', 'prod'].map((env) => ({
      env,
      diff: diffManifests(base.get(env)!, head.get(env)!),
    })),
  };
}

function deployment(containers: unknown[], extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'tasknote-api', namespace: 'tasknote' },
    spec: { template: { spec: { containers } } },
    ...extra,
  };
}

describe('diffManifests on two fixture trees', () => {
  test('reports added, removed and changed objects with each changed field', () => {
    expect(renderText(fixtureReport())).toBe(
      [
        'Manifest diff: base → head',
        '',
        'dev: no changes (1 object)',
        '',
        'prod: 1 added, 1 removed, 2 changed, 1 unchanged',
        '  + NetworkPolicy tasknote-prod/tasknote-default-deny',
        '  - CronJob tasknote-prod/tasknote-cleanup',
        '  ~ Deployment tasknote-prod/tasknote-api',
        '      ~ api image: tasknote-api@sha256:eea92f628e44… → sha256:0123456789ab…',
        '      ~ spec.replicas: 2 → 3',
        '      ~ spec.template.spec.containers[api].env[LOG_LEVEL].value: "info" → "debug"',
        '      ~ spec.template.spec.containers[api].env[DATABASE_URL].valueFrom.secretKeyRef.name: "tasknote-database" → "tasknote-database-v2"',
        '      + spec.template.spec.containers[api].env[FEATURE_SHARING]: {"value":"true"}',
        '  ~ Secret tasknote-prod/tasknote-smtp',
        '      ~ stringData.password: (secret value hidden) → (secret value hidden)',
        '',
      ].join('\n'),
    );
  });

  test('reordering lists and reformatting YAML is not a change', () => {
    const dev = fixtureReport().environments.find((e) => e.env === 'dev')!;
    expect(hasChanges(dev.diff)).toBe(false);
    expect(dev.diff.unchanged).toBe(1);
  });

  test('never prints a secret value', () => {
    const text = renderText(fixtureReport()) + renderMarkdown(fixtureReport());
    expect(text).not.toContain('hunter');
  });
});

describe('diffObject', () => {
  test('matches containers by name, so swapping two containers is not a change', () => {
    const a = { name: 'api', image: 'r/api:1' };
    const b = { name: 'proxy', image: 'r/proxy:1' };
    expect(diffObject(deployment([a, b]), deployment([b, a]))).toEqual({
      images: [],
      fields: [],
    });
  });

  test('matches volume mounts by mount path, since one volume may be mounted twice', () => {
    const before = deployment([
      {
        name: 'api',
        volumeMounts: [
          { name: 'tmp', mountPath: '/tmp' },
          { name: 'tmp', mountPath: '/cache' },
        ],
      },
    ]);
    const after = deployment([
      {
        name: 'api',
        volumeMounts: [
          { name: 'tmp', mountPath: '/cache' },
          { name: 'data', mountPath: '/tmp' },
        ],
      },
    ]);
    expect(diffObject(before, after).fields).toEqual([
      {
        path: 'spec.template.spec.containers[api].volumeMounts[/tmp].name',
        op: 'change',
        oldValue: 'tmp',
        newValue: 'data',
        hidden: false,
      },
    ]);
  });

  test('compares lists without names by position', () => {
    const before = deployment([{ name: 'api', args: ['--port', '8080'] }]);
    const after = deployment([{ name: 'api', args: ['--port', '9090'] }]);
    expect(diffObject(before, after).fields.map((f) => f.path)).toEqual(['spec.template.spec.containers[api].args[1]']);
  });

  test('quotes keys that hold dots or slashes', () => {
    const before = deployment([], {
      metadata: { name: 'x', labels: { 'app.kubernetes.io/version': '1' } },
    });
    const after = deployment([], {
      metadata: { name: 'x', labels: { 'app.kubernetes.io/version': '2' } },
    });
    expect(diffObject(before, after).fields[0].path).toBe('metadata.labels["app.kubernetes.io/version"]');
  });

  test('keeps image changes of init containers and cron jobs apart as image lines', () => {
    const cron = (image: string): KubeObject => ({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tasknote-daily-summary' },
      spec: {
        jobTemplate: {
          spec: {
            template: { spec: { initContainers: [{ name: 'wait', image }] } },
          },
        },
      },
    });
    expect(diffObject(cron('r/w:1.0.0'), cron('r/w:1.1.0'))).toEqual({
      images: [{ container: 'wait', oldImage: 'r/w:1.0.0', newImage: 'r/w:1.1.0' }],
      fields: [],
    });
  });
});

describe('imageLine', () => {
  const digest = (c: string) => `sha256:${c.repeat(64)}`;
  test('shows a digest bump as one short line', () => {
    expect(
      imageLine({
        container: 'api',
        oldImage: `reg/tasknote-api@${digest('a')}`,
        newImage: `reg/tasknote-api@${digest('b')}`,
      }),
    ).toBe('api image: tasknote-api@sha256:aaaaaaaaaaaa… → sha256:bbbbbbbbbbbb…');
  });
  test('shows a tag bump', () => {
    expect(
      imageLine({
        container: 'worker',
        oldImage: 'reg/tasknote-worker:1.0.0',
        newImage: 'reg/tasknote-worker:1.1.0',
      }),
    ).toBe('worker image: tasknote-worker:1.0.0 → 1.1.0');
  });
  test('names both repositories when the repository changes', () => {
    expect(
      imageLine({
        container: 'api',
        oldImage: 'a/api:1.0.0',
        newImage: 'b/api-v2:1.0.0',
      }),
    ).toBe('api image: api:1.0.0 → api-v2:1.0.0');
  });
  test('keeps a registry port apart from the tag', () => {
    expect(
      imageLine({
        container: 'api',
        oldImage: 'localhost:5001/api:1',
        newImage: 'localhost:5001/api:2',
      }),
    ).toBe('api image: api:1 → 2');
  });
});

describe('renderMarkdown', () => {
  test('gives a summary table, a table per environment and collapsible details', () => {
    const md = renderMarkdown(fixtureReport());
    expect(md).toContain(
      '| environment | added | removed | changed | unchanged |\n| --- | ---: | ---: | ---: | ---: |\n| dev | 0 | 0 | 0 | 1 |\n| prod | 1 | 1 | 2 | 1 |',
    );
    expect(md).toContain('### dev\n\nNo changes (1 object).');
    expect(md).toContain('| + | `NetworkPolicy tasknote-prod/tasknote-default-deny` | added |');
    expect(md).toContain('| - | `CronJob tasknote-prod/tasknote-cleanup` | removed |');
    expect(md).toContain(
      '| ~ | `Deployment tasknote-prod/tasknote-api` | api image: tasknote-api@sha256:eea92f628e44… → sha256:0123456789ab…; 4 fields |',
    );
    expect(md).toContain(
      '<details><summary><code>Deployment tasknote-prod/tasknote-api</code></summary>\n\n```diff\n~ api image: tasknote-api@sha256:eea92f628e44… → sha256:0123456789ab…\n~ spec.replicas: 2 → 3\n',
    );
  });

  test('includes the new topology picture when its edges changed', () => {
    const report = fixtureReport();
    const md = renderMarkdown({
      ...report,
      environments: [
        {
          ...report.environments[1],
          topology: {
            addedEdges: ['a --> b'],
            removedEdges: [],
            mermaid: 'flowchart LR\n  a --> b\n',
          },
        },
      ],
    });
    expect(md).toContain('Topology changed in prod: 1 edge added, 0 edges removed');
    expect(md).toContain('```mermaid\nflowchart LR\n  a --> b\n```');
  });
});

describe('objects', () => {
  test('identifies objects by group, kind, namespace and name, not by API version', () => {
    const v1 = parseManifest('apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata: {name: a, namespace: n}\n', 'x');
    const v2 = parseManifest('apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: a, namespace: n}\n', 'x');
    expect(diffKey(v1[0])).toBe('autoscaling/HorizontalPodAutoscaler/n/a');
    const d = diffManifests(v1, v2);
    expect(d.changed[0].fields).toEqual([
      {
        path: 'apiVersion',
        op: 'change',
        oldValue: 'autoscaling/v2beta2',
        newValue: 'autoscaling/v2',
        hidden: false,
      },
    ]);
  });

  test('fails when a document is not a Kubernetes object', () => {
    expect(() => parseManifest('kind: Service\nmetadata: {}\n', 'dist/dev/api.yaml')).toThrow(
      'dist/dev/api.yaml (document 1): apiVersion must be a string, received undefined; metadata.name must be a string, received undefined',
    );
  });

  test('fails when an object appears twice', () => {
    const objs = parseManifest(
      'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n',
      'x',
    );
    expect(() => diffManifests(objs, [])).toThrow('base manifests hold Service a twice; object names must be unique');
  });

  test('fails when an environment directory is missing', () => {
    expect(() => loadManifestDir(path.join(TREES, 'base'), ['staging'])).toThrow(
      `no manifests for environment 'staging' in ${path.join(TREES, 'base')}`,
    );
  });
});

describe('comparing two environments', () => {
  test('aligns the namespace so that only real differences remain', () => {
    const staging = parseManifest(
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: tasknote-staging}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: tasknote-staging}\ndata: {DB_HOST: tasknote-postgres.tasknote-staging.svc.cluster.local, LOG_LEVEL: debug}\n',
      'staging',
    );
    const prod = parseManifest(
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: tasknote-prod}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: tasknote-prod}\ndata: {DB_HOST: tasknote-postgres.tasknote-prod.svc.cluster.local, LOG_LEVEL: info}\n',
      'prod',
    );
    const d = diffManifests(alignNamespace(staging, soleNamespace(staging)!, soleNamespace(prod)!), prod);
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(d.changed.map((c) => c.fields.map((f) => f.path))).toEqual([['data.LOG_LEVEL']]);
  });
});
