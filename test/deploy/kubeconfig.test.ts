import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';
import { kubeconfigPaths, mergeKubeconfigs, parseKubeconfig, readKubeconfig, serializeKubeconfig } from '../../deploy/kubeconfig';
import { kubeconfigText } from './fixtures';

describe('parseKubeconfig', () => {
  test('lists contexts with the server of their cluster', () => {
    const kc = parseKubeconfig(
      kubeconfigText(
        [
          { name: 'kind-tasknote', server: 'https://127.0.0.1:40001' },
          { name: 'prod', server: 'https://prod.example' },
        ],
        'prod',
      ),
      'kc',
    );
    expect(kc.currentContext).toBe('prod');
    expect(kc.contexts).toEqual([
      { name: 'kind-tasknote', cluster: 'kind-tasknote-cluster', user: 'kind-tasknote-user', server: 'https://127.0.0.1:40001' },
      { name: 'prod', cluster: 'prod-cluster', user: 'prod-user', server: 'https://prod.example' },
    ]);
  });

  test('leaves the server undefined when the context names a cluster that is not there', () => {
    const kc = parseKubeconfig('contexts:\n- name: a\n  context: {cluster: gone, user: u}\n', 'kc');
    expect(kc.contexts[0].server).toBeUndefined();
  });

  test('reads an empty file as no contexts', () => {
    expect(parseKubeconfig('', 'kc').contexts).toEqual([]);
  });

  test('fails when the YAML is broken', () => {
    expect(() => parseKubeconfig('clusters: [', 'my.kubeconfig')).toThrow('kubeconfig my.kubeconfig is not valid YAML');
  });

  test('fails when a list is not a list', () => {
    expect(() => parseKubeconfig('contexts: nope\n', 'kc')).toThrow("kubeconfig kc: 'contexts' must be a list; got string");
  });
});

describe('mergeKubeconfigs', () => {
  test('lets the first file win for a name and for current-context, like kubectl', () => {
    const first = kubeconfigText([{ name: 'a', server: 'https://first' }], 'a');
    const second = kubeconfigText(
      [
        { name: 'a', server: 'https://second' },
        { name: 'b', server: 'https://b' },
      ],
      'b',
    );
    const kc = mergeKubeconfigs([
      { text: first, source: 'one' },
      { text: second, source: 'two' },
    ]);
    expect(kc.sources).toEqual(['one', 'two']);
    expect(kc.currentContext).toBe('a');
    expect(kc.contexts.map((c) => [c.name, c.server])).toEqual([
      ['a', 'https://first'],
      ['b', 'https://b'],
    ]);
  });

  test('serializes the merged document for the provider', () => {
    const kc = mergeKubeconfigs([{ text: kubeconfigText([{ name: 'a', server: 'https://a' }]), source: 'one' }]);
    const doc = parse(serializeKubeconfig(kc));
    expect(doc.contexts[0].name).toBe('a');
    expect(doc.users[0].user.token).toBe('token-of-a');
  });
});

describe('kubeconfigPaths', () => {
  test('prefers an explicit path, then KUBECONFIG entries, then ~/.kube/config', () => {
    expect(kubeconfigPaths('/x/config', { KUBECONFIG: '/y' }, '/home/u')).toEqual(['/x/config']);
    expect(kubeconfigPaths(undefined, { KUBECONFIG: ['/a', '', '/b'].join(delimiter) }, '/home/u')).toEqual(['/a', '/b']);
    expect(kubeconfigPaths(undefined, {}, '/home/u')).toEqual([join('/home/u', '.kube', 'config')]);
  });
});

describe('readKubeconfig', () => {
  test('skips missing files and reads the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    writeFileSync(join(dir, 'config'), kubeconfigText([{ name: 'a', server: 'https://a' }]));
    const kc = readKubeconfig([join(dir, 'missing'), join(dir, 'config')]);
    expect(kc.sources).toEqual([join(dir, 'config')]);
  });

  test('fails when no file exists, naming where it looked', () => {
    expect(() => readKubeconfig(['/nonexistent/kubeconfig'])).toThrow(
      "no kubeconfig found: looked at /nonexistent/kubeconfig; set KUBECONFIG or the stack config 'tasknote:kubeconfig' to the file of the cluster",
    );
  });
});
