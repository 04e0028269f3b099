// The DNS peer a NetworkPolicies chart declares is the one check's `dns-egress` accepts.
import { profileForEnvironment } from '../../app/check-profiles';
import { checkObjects } from '../../check';
import { NetworkPolicies, Worker } from '../../constructs';
import { makeChart, synth, workerProps } from '../constructs/helpers';

function chartWithDns(dnsNamespace?: string) {
  const chart = makeChart();
  new Worker(chart, 'worker', workerProps());
  const net = new NetworkPolicies(chart, 'net', dnsNamespace === undefined ? {} : { dnsNamespace, dnsPodLabels: { app: 'coredns' } });
  return { objects: synth(chart).map((object) => ({ source: 'test.yaml', object })), dnsPeer: net.dnsPeer };
}

const dnsFindings = (report: ReturnType<typeof checkObjects>) =>
  report.targets.flatMap((t) => t.findings).filter((f) => f.ruleId === 'dns-egress');

test('a chart that moves DNS elsewhere passes dns-egress under a profile that carries its peer', () => {
  const { objects, dnsPeer } = chartWithDns('dns-system');
  expect(dnsPeer).toEqual({ namespace: 'dns-system', podLabels: { app: 'coredns' } });
  expect(dnsFindings(checkObjects(objects, { name: 't', profile: profileForEnvironment('dev', dnsPeer) }))).toEqual([]);
});

test('fails under the default peer when the chart allows DNS only elsewhere, naming the peer it looked for', () => {
  const { objects } = chartWithDns('dns-system');
  const findings = dnsFindings(checkObjects(objects, { name: 't', profile: profileForEnvironment('dev') }));
  expect(findings.map((f) => f.found)).toEqual([
    'Deployment tasknote-worker cannot resolve names: no NetworkPolicy allows its egress to the cluster DNS (kube-system, k8s-app: kube-dns) on port 53',
  ]);
});

test('the default chart and the default profile agree', () => {
  const { objects, dnsPeer } = chartWithDns();
  expect(dnsPeer).toEqual({ namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } });
  expect(dnsFindings(checkObjects(objects, { name: 't', profile: profileForEnvironment('dev') }))).toEqual([]);
});
