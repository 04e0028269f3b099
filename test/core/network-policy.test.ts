// The one NetworkPolicy evaluation that check's network rules and review's graph share.
import { admittingRules, peerAdmits, policySelects, policyTypes, portsAdmit } from '../../core/network-policy';

const nsLabels = (ns: string) => ({ 'kubernetes.io/metadata.name': ns, ...(ns === 'ingress-nginx' ? { team: 'edge' } : {}) });

test('policyTypes defaults as the API does: Ingress, plus Egress when egress rules are given', () => {
  expect(policyTypes({ podSelector: {} })).toEqual(['Ingress']);
  expect(policyTypes({ podSelector: {}, egress: [] })).toEqual(['Ingress', 'Egress']);
  expect(policyTypes({ policyTypes: ['Egress'], ingress: [{}] })).toEqual(['Egress']);
});

test('a policy selects pods of its own namespace, in the directions it restricts', () => {
  const spec = { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'] };
  expect(policySelects(spec, 'tn', 'tn', { app: 'api' }, 'Ingress')).toBe(true);
  expect(policySelects(spec, 'tn', 'tn', { app: 'api' }, 'Egress')).toBe(false);
  expect(policySelects(spec, 'tn', 'other', { app: 'api' }, 'Ingress')).toBe(false);
});

test('a peer without a namespace selector means the policy namespace; an ipBlock names no pod', () => {
  expect(peerAdmits({ podSelector: { matchLabels: { app: 'api' } } }, 'tn', 'tn', { app: 'api' }, nsLabels)).toBe(true);
  expect(peerAdmits({ podSelector: { matchLabels: { app: 'api' } } }, 'tn', 'other', { app: 'api' }, nsLabels)).toBe(false);
  expect(peerAdmits({ namespaceSelector: { matchLabels: { team: 'edge' } } }, 'tn', 'ingress-nginx', { any: 'pod' }, nsLabels)).toBe(true);
  expect(peerAdmits({ ipBlock: { cidr: '10.0.0.0/8' } }, 'tn', 'tn', {}, nsLabels)).toBe(false);
});

test('ports admit by number, name, range and protocol; no port asked means any', () => {
  const rule = { ports: [{ port: 5432 }, { port: 'http' }, { port: 8000, endPort: 8010 }, { port: 53, protocol: 'UDP' }] };
  expect(portsAdmit(rule, { number: 5432 })).toBe(true);
  expect(portsAdmit(rule, { number: 9090, name: 'http' })).toBe(true);
  expect(portsAdmit(rule, { number: 8005 })).toBe(true);
  expect(portsAdmit(rule, { number: 53 })).toBe(false);
  expect(portsAdmit(rule, { number: 53, protocol: 'UDP' })).toBe(true);
  expect(portsAdmit(rule)).toBe(true);
});

test('admittingRules: an empty peer list admits everyone, a listed peer must match', () => {
  const spec = { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 80 }] }, { ports: [{ port: 9090 }] }] };
  const web = (peer: Record<string, unknown>) => peerAdmits(peer, 'tn', 'tn', { app: 'web' }, nsLabels);
  const db = (peer: Record<string, unknown>) => peerAdmits(peer, 'tn', 'tn', { app: 'db' }, nsLabels);
  expect(admittingRules(spec, 'Ingress', web, { number: 80 })).toHaveLength(1);
  expect(admittingRules(spec, 'Ingress', db, { number: 80 })).toHaveLength(0);
  expect(admittingRules(spec, 'Ingress', db)).toHaveLength(1);
  expect(admittingRules(spec, 'Egress', web)).toHaveLength(0);
});
