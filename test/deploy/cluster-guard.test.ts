import { UserError } from '../../core/user-error';
import { assertClusterTarget, checkClusterTarget, serverMatches } from '../../deploy/cluster-guard';
import { parseKubeconfig } from '../../deploy/kubeconfig';
import { kubeconfigText, testEnvironment } from './fixtures';

const dev = testEnvironment();
const staging = testEnvironment({
  name: 'staging',
  cluster: { kind: 'eks', context: 'tasknote-staging', server: 'https://ABC123.gr7.eu-west-1.eks.amazonaws.com' },
});

describe('checkClusterTarget', () => {
  test('accepts the context when it points at the expected server', () => {
    const kc = parseKubeconfig(kubeconfigText([{ name: 'kind-tasknote', server: 'https://127.0.0.1:40123' }]), 'kc');
    expect(checkClusterTarget(dev, kc)).toEqual({ context: kc.contexts[0], server: 'https://127.0.0.1:40123' });
  });

  test('does not care which context is current, because the provider pins its own', () => {
    const kc = parseKubeconfig(
      kubeconfigText(
        [
          { name: 'tasknote-staging', server: 'https://abc123.gr7.eu-west-1.eks.amazonaws.com/' },
          { name: 'other', server: 'https://x' },
        ],
        'other',
      ),
      'kc',
    );
    expect(checkClusterTarget(staging, kc)).toMatchObject({ context: { name: 'tasknote-staging' } });
  });

  test('fails when the context is missing, listing the contexts it found', () => {
    const kc = parseKubeconfig(kubeconfigText([{ name: 'prod-eks', server: 'https://prod.example' }]), '/home/u/.kube/config');
    expect(checkClusterTarget(dev, kc)).toEqual({
      problem:
        "wrong cluster: stack 'dev' may deploy only to context 'kind-tasknote' at a server matching 'https://127.0.0.1', " +
        "but kubeconfig /home/u/.kube/config has no context 'kind-tasknote' (it has 'prod-eks' (https://prod.example); current-context 'prod-eks')",
    });
  });

  test('fails when the context points at another server, naming both', () => {
    const kc = parseKubeconfig(kubeconfigText([{ name: 'tasknote-staging', server: 'https://prod.eks.amazonaws.com' }]), 'kc');
    expect(checkClusterTarget(staging, kc)).toEqual({
      problem:
        "wrong cluster: stack 'staging' may deploy only to context 'tasknote-staging' at a server matching 'https://ABC123.gr7.eu-west-1.eks.amazonaws.com', " +
        "but kubeconfig kc points context 'tasknote-staging' at cluster 'tasknote-staging-cluster' (https://prod.eks.amazonaws.com); current-context 'tasknote-staging'",
    });
  });

  test('fails when the context names a cluster the kubeconfig lacks', () => {
    const kc = parseKubeconfig('contexts:\n- name: kind-tasknote\n  context: {cluster: gone, user: u}\n', 'kc');
    expect(checkClusterTarget(dev, kc)).toEqual({
      problem:
        "wrong cluster: stack 'dev' may deploy only to context 'kind-tasknote' at a server matching 'https://127.0.0.1', " +
        "but in kubeconfig kc context 'kind-tasknote' names cluster 'gone', which the kubeconfig does not define",
    });
  });
});

describe('assertClusterTarget', () => {
  test('fails with a UserError that says nothing was changed', () => {
    const kc = parseKubeconfig(kubeconfigText([{ name: 'kind-tasknote', server: 'https://10.0.0.1:6443' }]), 'kc');
    let error: unknown;
    try {
      assertClusterTarget(dev, kc);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      /^wrong cluster: .*\(https:\/\/10\.0\.0\.1:6443\).*\. Nothing was changed\. Fix the kubeconfig or environments\/dev\.ts/,
    );
  });
});

describe('serverMatches', () => {
  test('matches a whole URL or a stable part of it, ignoring case and trailing slashes', () => {
    expect(serverMatches('https://127.0.0.1:41234', 'https://127.0.0.1')).toBe(true);
    expect(serverMatches('https://X.eks.amazonaws.com/', 'https://x.eks.amazonaws.com')).toBe(true);
    expect(serverMatches('https://10.0.0.1', 'https://127.0.0.1')).toBe(false);
    expect(serverMatches('https://a', '')).toBe(false);
  });
});
