import { getIn } from '../../core/object-path';
import { differingPaths, lateFields, synthesisKey, replaceAt } from '../../deploy/late-fields';
import type { KubeObject } from '../../core/kube-object';

const deployment = (image: string, version: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace: 'ns', labels: { 'app.kubernetes.io/version': version } },
  spec: {
    replicas: 2,
    template: {
      spec: {
        containers: [
          { name: 'api', image },
          { name: 'side', image: 'redis:7' },
        ],
      },
    },
  },
});

describe('differingPaths', () => {
  test('finds the leaves that differ, wherever they are', () => {
    expect(differingPaths(deployment('a@sha256:0', 'sha256-0'), deployment('a@sha256:f', 'sha256-f'))).toEqual([
      ['metadata', 'labels', 'app.kubernetes.io/version'],
      ['spec', 'template', 'spec', 'containers', 0, 'image'],
    ]);
  });
  test('reports a change of shape at the node that changed', () => {
    expect(differingPaths({ a: [1, 2] }, { a: [1] })).toEqual([['a']]);
    expect(differingPaths({ a: { x: 1 } }, { a: { y: 1 } })).toEqual([['a']]);
    expect(differingPaths({ a: 1 }, { a: 1 })).toEqual([]);
  });
});

describe('lateFields', () => {
  test('lists, per object, the fields that depend on the images', () => {
    const first = [deployment('a@sha256:0', 'v0'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' } }];
    const second = [deployment('a@sha256:f', 'vf'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' } }];
    expect(lateFields(first, second)).toEqual(
      new Map([
        [
          'apps/v1/Deployment/ns/api',
          [
            ['metadata', 'labels', 'app.kubernetes.io/version'],
            ['spec', 'template', 'spec', 'containers', 0, 'image'],
          ],
        ],
      ]),
    );
  });
  test('fails when the set of objects depends on the images', () => {
    const renamed = { ...deployment('x', 'v'), metadata: { name: 'api-v2', namespace: 'ns' } };
    expect(() => lateFields([deployment('x', 'v')], [renamed])).toThrow(
      "the stack's set of objects depends on the image references (apps/v1/Deployment/ns/api, apps/v1/Deployment/ns/api-v2)",
    );
  });
});

describe('replaceAt, read back with getIn', () => {
  test('replace exactly the given fields in a copy', () => {
    const obj = deployment('old', 'v-old');
    const paths = [['spec', 'template', 'spec', 'containers', 0, 'image']] as const;
    const copy = replaceAt(obj, paths, () => 'new');
    expect(getIn(copy, paths[0])).toBe('new');
    expect(getIn(obj, paths[0])).toBe('old');
    expect(getIn(copy, ['spec', 'template', 'spec', 'containers', 1, 'image'])).toBe('redis:7');
    expect(getIn(copy, ['spec', 'nothing', 'here'])).toBeUndefined();
  });
  test('synthesisKey names apiVersion, kind, namespace and name', () => {
    expect(synthesisKey(deployment('x', 'v'))).toBe('apps/v1/Deployment/ns/api');
  });
});
