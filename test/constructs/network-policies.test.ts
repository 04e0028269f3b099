import { EnvironmentChart, IPodSelectable, NetworkPolicies, NetworkPoliciesProps } from '../../constructs';
import { errorOf, makeChart, Manifest, ofKind, only, synth } from './helpers';

const api: IPodSelectable = { name: 'tasknote-api', selectorLabels: { 'app.kubernetes.io/name': 'tasknote-api' } };
const worker: IPodSelectable = { name: 'tasknote-worker', selectorLabels: { 'app.kubernetes.io/name': 'tasknote-worker' } };
const postgres: IPodSelectable = { name: 'tasknote-postgres', selectorLabels: { 'app.kubernetes.io/name': 'tasknote-postgres' } };
const redis: IPodSelectable = { name: 'tasknote-redis', selectorLabels: { 'app.kubernetes.io/name': 'tasknote-redis' } };
const ingressNginx = { name: 'ingress-nginx', namespace: 'ingress-nginx' };

function policies(setup: (np: NetworkPolicies) => void = () => undefined, props?: NetworkPoliciesProps): Manifest[] {
  const chart: EnvironmentChart = makeChart();
  setup(new NetworkPolicies(chart, 'net', props));
  return ofKind(synth(chart), 'NetworkPolicy');
}

const byName = (objects: Manifest[]) => Object.fromEntries(objects.map((o) => [o.metadata.name, o]));

test('minimal props snapshot', () => {
  expect(policies()).toMatchSnapshot();
});

test('denies all ingress and egress by default in the namespace', () => {
  const deny = only(policies(), 'NetworkPolicy', 'default-deny');
  expect(deny.apiVersion).toBe('networking.k8s.io/v1');
  expect(deny.metadata.namespace).toBe('tasknote-test');
  expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
});

test("dnsNamespace defaults to 'kube-system' and dnsPodLabels to k8s-app: kube-dns, on UDP and TCP 53", () => {
  expect(only(policies(), 'NetworkPolicy', 'allow-dns-egress').spec).toEqual({
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ],
  });
});

test('dnsNamespace and dnsPodLabels can point at another DNS', () => {
  const to = only(policies(undefined, { dnsNamespace: 'dns', dnsPodLabels: { app: 'coredns' } }), 'NetworkPolicy', 'allow-dns-egress').spec
    .egress[0].to;
  expect(to).toEqual([
    { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } }, podSelector: { matchLabels: { app: 'coredns' } } },
  ]);
});

test('allow() opens egress on the client and ingress on the server, on TCP at that port', () => {
  const p = byName(policies((np) => np.allow(api, postgres, 5432)));
  expect(p['tasknote-api'].spec).toEqual({
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'tasknote-api' } },
    policyTypes: ['Egress'],
    egress: [
      {
        to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'tasknote-postgres' } } }],
        ports: [{ protocol: 'TCP', port: 5432 }],
      },
    ],
  });
  expect(p['tasknote-postgres'].spec).toEqual({
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'tasknote-postgres' } },
    policyTypes: ['Ingress'],
    ingress: [
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'tasknote-api' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
    ],
  });
});

test('one policy per workload, named after it, grouping peers per port', () => {
  const p = byName(
    policies((np) => {
      np.allow(api, postgres, 5432);
      np.allow(worker, postgres, 5432);
      np.allow(api, redis, 6379);
    }),
  );
  expect(Object.keys(p).sort()).toEqual([
    'allow-dns-egress',
    'default-deny',
    'tasknote-api',
    'tasknote-postgres',
    'tasknote-redis',
    'tasknote-worker',
  ]);
  expect(p['tasknote-postgres'].spec.ingress).toEqual([
    {
      from: [
        { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'tasknote-api' } } },
        { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'tasknote-worker' } } },
      ],
      ports: [{ protocol: 'TCP', port: 5432 }],
    },
  ]);
  expect(p['tasknote-api'].spec.egress.map((r: Manifest) => r.ports[0].port)).toEqual([5432, 6379]);
});

test('a workload that is both client and server gets one policy with both directions', () => {
  const p = byName(
    policies((np) => {
      np.allowFromNamespace(ingressNginx, api, 8080);
      np.allow(api, postgres, 5432);
    }),
  );
  expect(p['tasknote-api'].spec.policyTypes).toEqual(['Ingress', 'Egress']);
});

test('the output does not depend on the order of allow() calls', () => {
  const calls: ((np: NetworkPolicies) => void)[] = [
    (np) => np.allow(api, postgres, 5432),
    (np) => np.allow(worker, postgres, 5432),
    (np) => np.allow(api, redis, 6379),
    (np) => np.allowFromNamespace(ingressNginx, api, 8080),
    (np) => np.allowToExternal(worker, { name: 'smtp', cidr: '0.0.0.0/0' }, 587),
  ];
  const forward = byName(policies((np) => calls.forEach((c) => c(np))));
  const backward = byName(policies((np) => [...calls].reverse().forEach((c) => c(np))));
  expect(backward).toEqual(forward);
  expect(Object.keys(forward)).toHaveLength(6);
});

test('allowFromNamespace admits every pod of the namespace unless podLabels are given', () => {
  const from = (peer: typeof ingressNginx & { podLabels?: Record<string, string> }) =>
    byName(policies((np) => np.allowFromNamespace(peer, api, 8080)))['tasknote-api'].spec.ingress[0].from;
  expect(from(ingressNginx)).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]);
  expect(from({ ...ingressNginx, podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } })).toEqual([
    {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
    },
  ]);
});

test('allowToExternal opens egress to the CIDR, with no exceptions unless given', () => {
  const to = (except?: string[]) =>
    byName(policies((np) => np.allowToExternal(worker, { name: 'smtp', cidr: '0.0.0.0/0', ...(except ? { except } : {}) }, 587)))[
      'tasknote-worker'
    ].spec.egress[0];
  expect(to()).toEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 587 }] });
  expect(to(['10.0.0.0/8']).to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }]);
});

describe('rules', () => {
  test('fails when dnsNamespace is not a DNS-1123 label', () => {
    expect(() => new NetworkPolicies(makeChart(), 'net', { dnsNamespace: 'Kube_System' })).toThrow(
      'dnsNamespace ("Kube_System") must be a DNS-1123 label',
    );
  });

  test('fails when allow() gets an invalid port', () => {
    expect(() => policies((np) => np.allow(api, postgres, 0))).toThrow(
      'allow(tasknote-api -> tasknote-postgres): port (0) must be an integer port from 1 to 65535',
    );
  });

  test('fails when allowFromNamespace() gets an invalid port', () => {
    expect(() => policies((np) => np.allowFromNamespace(ingressNginx, api, 70000))).toThrow(
      'allowFromNamespace(ingress-nginx -> tasknote-api): port (70000) must be an integer port from 1 to 65535',
    );
  });

  test('fails when allowFromNamespace() gets an invalid namespace', () => {
    expect(errorOf(() => policies((np) => np.allowFromNamespace({ name: 'x', namespace: 'Ingress' }, api, 80)))).toBe(
      'allowFromNamespace: namespace ("Ingress") must be a DNS-1123 label: lower-case letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters',
    );
  });

  test('fails when allowToExternal() gets an invalid port', () => {
    expect(() => policies((np) => np.allowToExternal(worker, { name: 'smtp', cidr: '0.0.0.0/0' }, 1.5))).toThrow(
      'allowToExternal(tasknote-worker -> smtp): port (1.5) must be an integer port from 1 to 65535',
    );
  });
});
