// What the API server's validation code refuses where the OpenAPI schema is silent, one class per
// test, as the differential run against the server (test/cluster/check-differential.ctest.ts)
// found them: fields validation requires (check/validation-required.ts), the names objects refer
// to each other by, Pod Security label values, and null, which the server reads as a zero value.
// Each case changes one object of a valid stack and asserts the exact findings the change adds.
import path from 'node:path';
import { runCheck } from '../../check/engine';
import { API_VALIDATION_RULES } from '../../check/rules/api-validation';
import { SERVER_SCHEMA_RULE_IDS } from '../../check/schema';
import { listFiles, loadFiles } from '../../check/load';
import type { KubeObject, SourcedObject } from '../../check/types';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const CLAIM: KubeObject = {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'tasknote-backups', namespace: 'tasknote' },
  spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '10Gi' } } },
};
const base: SourcedObject[] = [
  ...loadFiles(listFiles([path.join(FIXTURES, 'check', 'good'), path.join(FIXTURES, 'peers', 'monitoring')])).items,
  { source: 'claim.yaml', object: CLAIM },
];

type Found = { ruleId: string; path: string; found: string };
const key = (f: Found) => `${f.ruleId} ${f.path} ${f.found}`;
/** The rules whose findings claim the API server refuses the object, and Pod Security's non-root control (policy findings are left out). */
const CLAIMS = new Set([...SERVER_SCHEMA_RULE_IDS, ...API_VALIDATION_RULES.map((r) => r.id), 'run-as-non-root']);
const findingsOf = (items: readonly SourcedObject[]): Found[] =>
  runCheck(items)
    .findings.filter((f) => CLAIMS.has(f.ruleId))
    .map((f) => ({ ruleId: f.ruleId, path: f.path, found: f.found }));
const before = new Set(findingsOf(base).map(key));

/** The findings that changing the object `kind/name` adds to the valid stack. */
function added(kind: string, name: string, change: (o: KubeObject) => void): Found[] {
  const i = base.findIndex((x) => x.object.kind === kind && x.object.metadata?.name === name);
  if (i < 0) throw new Error(`no ${kind}/${name} in the stack`);
  const object = structuredClone(base[i].object);
  change(object);
  const items = base.map((x, j) => (j === i ? { source: x.source, object } : x));
  return findingsOf(items).filter((f) => !before.has(key(f)));
}
const only = (ruleId: string, at: string, found: string) => [{ ruleId, path: at, found }];

const pod = (o: KubeObject) => o.spec.template.spec;
const container = (o: KubeObject) => pod(o).containers[0];
const backend = (o: KubeObject) => o.spec.rules[0].http.paths[0].backend;
const C = 'spec.template.spec.containers[0]';

test('the valid stack has no findings of the kinds these tests look for', () => {
  expect(findingsOf(base).filter((f) => /^schema-|label-syntax|name-per-kind|autoscaler-spec/.test(f.ruleId))).toEqual([]);
});

test('fails when a field validation requires is missing or empty, though the schema leaves it optional', () => {
  expect(added('PersistentVolumeClaim', 'tasknote-backups', (o) => delete o.spec.accessModes)).toEqual(
    only('schema-required', 'spec.accessModes', 'required field spec.accessModes is missing'),
  );
  expect(added('PersistentVolumeClaim', 'tasknote-backups', (o) => delete o.spec.resources)).toEqual(
    only('schema-required', 'spec.resources.requests.storage', 'required field spec.resources.requests.storage is missing'),
  );
  expect(added('StatefulSet', 'tasknote-postgres', (o) => delete o.spec.volumeClaimTemplates[0].spec.resources.requests.storage)).toEqual(
    only(
      'schema-required',
      'spec.volumeClaimTemplates[0].spec.resources.requests.storage',
      'required field spec.resources.requests.storage is missing',
    ),
  );
  expect(added('Deployment', 'tasknote-api', (o) => (container(o).image = ''))).toEqual(
    only('schema-required', `${C}.image`, 'required field image is empty ("")'),
  );
  expect(added('StatefulSet', 'tasknote-postgres', (o) => (container(o).volumeMounts[0].mountPath = ''))).toEqual(
    only('schema-required', `${C}.volumeMounts[0].mountPath`, 'required field mountPath is empty ("")'),
  );
  expect(added('Deployment', 'tasknote-api', (o) => (container(o).envFrom = [{ configMapRef: { optional: true } }]))).toEqual(
    only('schema-required', `${C}.envFrom[0].configMapRef.name`, 'required field name is missing'),
  );
  expect(added('StatefulSet', 'tasknote-postgres', (o) => delete container(o).livenessProbe.exec.command)).toEqual(
    only('schema-required', `${C}.livenessProbe.exec.command`, 'required field command is missing'),
  );
  expect(added('StatefulSet', 'tasknote-postgres', (o) => delete container(o).env[0].valueFrom.secretKeyRef)).toEqual(
    only('schema-required', `${C}.env[0].valueFrom`, 'none of fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef is set'),
  );
  expect(added('Ingress', 'tasknote', (o) => delete backend(o).service.port)).toEqual(
    only('schema-required', 'spec.rules[0].http.paths[0].backend.service', 'none of port.name, port.number is set'),
  );
  expect(added('Ingress', 'tasknote', (o) => delete backend(o).service)).toEqual(
    only('schema-required', 'spec.rules[0].http.paths[0].backend', 'none of service, resource is set'),
  );
  expect(added('HorizontalPodAutoscaler', 'tasknote-api', (o) => (o.spec.scaleTargetRef.name = ''))).toEqual(
    only('schema-required', 'spec.scaleTargetRef.name', 'required field name is empty ("")'),
  );
  expect(added('ClusterRole', 'prometheus', (o) => delete o.rules[0].apiGroups)).toEqual(
    only('schema-required', 'rules[0].apiGroups', 'required field apiGroups is missing'),
  );
  expect(added('ClusterRole', 'prometheus', (o) => delete o.rules[2].nonResourceURLs)).toEqual([
    { ruleId: 'schema-required', path: 'rules[2].apiGroups', found: 'required field apiGroups is missing' },
    { ruleId: 'schema-required', path: 'rules[2].resources', found: 'required field resources is missing' },
  ]);
  expect(added('ClusterRoleBinding', 'prometheus', (o) => delete o.subjects[0].namespace)).toEqual(
    only('schema-required', 'subjects[0].namespace', 'required field namespace is missing'),
  );
  expect(added('Deployment', 'tasknote-api', (o) => delete o.spec)).toEqual([
    {
      ruleId: 'schema-required',
      path: 'spec.template.spec.containers',
      found: 'required field spec.template.spec.containers is missing',
    },
    { ruleId: 'schema-required', path: 'spec.selector', found: 'required field spec.selector is missing' },
  ]);
  expect(added('Deployment', 'tasknote-api', (o) => (container(o).env = [{ name: '', value: 'x' }]))).toEqual(
    only('schema-required', `${C}.env[0].name`, 'required field name is empty ("")'),
  );
  expect(added('Deployment', 'tasknote-api', (o) => (pod(o).topologySpreadConstraints[0].topologyKey = ''))).toEqual(
    only('schema-required', 'spec.template.spec.topologySpreadConstraints[0].topologyKey', 'required field topologyKey is empty ("")'),
  );
  expect(added('HorizontalPodAutoscaler', 'tasknote-api', (o) => (o.spec.metrics[0].resource.name = ''))).toEqual(
    only('schema-required', 'spec.metrics[0].resource.name', 'required field name is empty ("")'),
  );
  expect(added('NetworkPolicy', 'tasknote-api', (o) => delete o.spec.egress[0].to[0].podSelector)).toEqual(
    only('schema-required', 'spec.egress[0].to[0]', 'none of podSelector, namespaceSelector, ipBlock is set'),
  );
  // An empty selector is set: it selects every pod.
  expect(added('NetworkPolicy', 'tasknote-api', (o) => (o.spec.egress[0].to[0].podSelector = {}))).toEqual([]);
  for (const change of [(o: KubeObject) => delete o.spec, (o: KubeObject) => delete o.spec.rules])
    expect(added('Ingress', 'tasknote', change)).toEqual(only('schema-required', '', 'none of spec.defaultBackend, spec.rules is set'));
  expect(added('CronJob', 'tasknote-summary', (o) => delete o.spec.jobTemplate.spec)).toEqual(
    only(
      'schema-required',
      'spec.jobTemplate.spec.template.spec.containers',
      'required field spec.jobTemplate.spec.template.spec.containers is missing',
    ),
  );
});

test('fails when a field validation enumerates holds another value', () => {
  expect(added('ClusterRoleBinding', 'prometheus', (o) => (o.roleRef.kind = 'Role'))).toEqual(
    only('schema-enum', 'roleRef.kind', 'kind is "Role"'),
  );
  expect(added('ClusterRoleBinding', 'prometheus', (o) => (o.roleRef.apiGroup = '..'))).toEqual(
    only('schema-enum', 'roleRef.apiGroup', 'apiGroup is ".."'),
  );
  // Defaulting fills in an empty roleRef.apiGroup.
  expect(added('ClusterRoleBinding', 'prometheus', (o) => delete o.roleRef.apiGroup)).toEqual([]);
  expect(
    added('StatefulSet', 'tasknote-postgres', (o) => (o.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'RETAIN' })),
  ).toEqual(only('schema-enum', 'spec.persistentVolumeClaimRetentionPolicy.whenDeleted', 'whenDeleted is "RETAIN"'));
});

test('fails when an HPA scale target names no API group', () => {
  for (const apiVersion of ['', null, 'v1'])
    expect(added('HorizontalPodAutoscaler', 'tasknote-api', (o) => (o.spec.scaleTargetRef.apiVersion = apiVersion))).toEqual(
      only(
        'autoscaler-spec',
        'spec.scaleTargetRef.apiVersion',
        `scaleTargetRef.apiVersion ${JSON.stringify(apiVersion)} names no API group`,
      ),
    );
  expect(added('HorizontalPodAutoscaler', 'tasknote-api', (o) => delete o.spec.scaleTargetRef.apiVersion)).toEqual(
    only('autoscaler-spec', 'spec.scaleTargetRef.apiVersion', 'scaleTargetRef.apiVersion is missing'),
  );
  expect(added('HorizontalPodAutoscaler', 'tasknote-api', (o) => (o.spec.scaleTargetRef.kind = 'a/b'))).toEqual(
    only('autoscaler-spec', 'spec.scaleTargetRef.kind', `scaleTargetRef.kind "a/b" may not hold '/' or '%'`),
  );
});

test('fails when a name one object refers to another by breaks the rule of names of its kind', () => {
  const subdomain =
    "is not a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters";
  expect(added('ClusterRoleBinding', 'prometheus', (o) => (o.subjects[0].name = '-a'))).toEqual(
    only('name-per-kind', 'subjects[0].name', `ServiceAccount subject "-a" ${subdomain}`),
  );
  expect(added('ClusterRoleBinding', 'prometheus', (o) => (o.roleRef.name = '..'))).toEqual(
    only('name-per-kind', 'roleRef.name', 'roleRef.name ".." may not be . or ..'),
  );
  expect(added('PersistentVolumeClaim', 'tasknote-backups', (o) => (o.spec.storageClassName = 'a_b'))).toEqual(
    only('name-per-kind', 'spec.storageClassName', `storageClassName "a_b" ${subdomain}`),
  );
  expect(added('Ingress', 'tasknote', (o) => (o.spec.tls[0].secretName = 'a_b'))).toEqual(
    only('name-per-kind', 'spec.tls[0].secretName', `TLS secretName "a_b" ${subdomain}`),
  );
  expect(added('StatefulSet', 'tasknote-postgres', (o) => delete container(o).env[0].valueFrom.secretKeyRef.name)).toEqual(
    only(
      'name-per-kind',
      `${C}.env[0].valueFrom.secretKeyRef.name`,
      `container postgres: env "POSTGRES_PASSWORD" secretKeyRef.name "" ${subdomain}`,
    ),
  );
  expect(added('Deployment', 'tasknote-api', (o) => (container(o).envFrom = [{ configMapRef: { name: 'a_b' } }]))).toEqual(
    only('name-per-kind', `${C}.envFrom[0].configMapRef.name`, `container api: envFrom configMapRef.name "a_b" ${subdomain}`),
  );
  expect(added('Deployment', 'tasknote-api', (o) => (pod(o).serviceAccountName = '..'))).toEqual(
    only('name-per-kind', 'spec.template.spec.serviceAccountName', `serviceAccountName ".." ${subdomain}`),
  );
  expect(added('StatefulSet', 'tasknote-postgres', (o) => (o.spec.serviceName = '..'))).toEqual(
    only('name-per-kind', 'spec.serviceName', 'serviceName ".." is not a DNS-1123 label'),
  );
  const term = { topologyKey: 'a b', labelSelector: { matchLabels: { app: 'x' } } };
  expect(
    added(
      'Deployment',
      'tasknote-api',
      (o) => (pod(o).affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } }),
    ),
  ).toEqual(
    only(
      'name-per-kind',
      'spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey',
      `topologyKey "a b" has a name that is not at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`,
    ),
  );
  // A spread constraint's topology key need only be set.
  expect(added('Deployment', 'tasknote-api', (o) => (pod(o).topologySpreadConstraints[0].topologyKey = 'a'.repeat(254)))).toEqual([]);
  expect(added('Ingress', 'tasknote', (o) => (backend(o).service.port.name = 'a b'))).toEqual(
    only(
      'name-per-kind',
      'spec.rules[0].http.paths[0].backend.service.port.name',
      'backend port name "a b" holds characters other than a-z, 0-9 and -',
    ),
  );
});

test('fails when a Namespace has a Pod Security label value that is no level or version', () => {
  expect(added('Namespace', 'tasknote', (o) => (o.metadata.labels['pod-security.kubernetes.io/warn'] = ''))).toEqual(
    only(
      'label-syntax',
      'metadata.labels["pod-security.kubernetes.io/warn"]',
      'Pod Security label "pod-security.kubernetes.io/warn": value "" is not one of privileged, baseline, restricted',
    ),
  );
  // null is read as "".
  expect(added('Namespace', 'tasknote', (o) => (o.metadata.labels['pod-security.kubernetes.io/warn-version'] = null))).toEqual(
    only(
      'label-syntax',
      'metadata.labels["pod-security.kubernetes.io/warn-version"]',
      'Pod Security label "pod-security.kubernetes.io/warn-version": value "" is not \'latest\' or a version such as v1.34',
    ),
  );
  expect(added('Namespace', 'tasknote', (o) => (o.metadata.labels['pod-security.kubernetes.io/warn-version'] = 'v1.34'))).toEqual([]);
});

test('fails when a required struct field is null, and takes null where the server takes it (map values, list entries)', () => {
  expect(added('ClusterRoleBinding', 'prometheus', (o) => (o.subjects[0].namespace = null))).toEqual(
    only('schema-required', 'subjects[0].namespace', 'required field namespace is null'),
  );
  expect(
    added('Deployment', 'tasknote-api', (o) => (o.metadata.labels = { ...o.metadata.labels, 'app.kubernetes.io/version': null })),
  ).toEqual([]);
  expect(added('Deployment', 'tasknote-api', (o) => (o.spec.template.metadata.labels['app.kubernetes.io/version'] = null))).toEqual([]);
  expect(added('ConfigMap', 'tasknote-api-config', (o) => (o.data[Object.keys(o.data)[0]] = null))).toEqual([]);
  expect(added('ClusterRole', 'prometheus', (o) => (o.rules[0].verbs[0] = null))).toEqual([]);
});

test('fails when a number or quantity is outside the bounds validation sets', () => {
  expect(added('PersistentVolumeClaim', 'tasknote-backups', (o) => (o.spec.resources.requests.storage = '0'))).toEqual(
    only('value-range', 'spec.resources.requests.storage', 'storage request "0" is not above zero'),
  );
  expect(added('Deployment', 'tasknote-api', (o) => (pod(o).volumes[0].emptyDir.sizeLimit = '-1'))).toEqual(
    only('value-range', 'spec.template.spec.volumes[0].emptyDir.sizeLimit', 'emptyDir sizeLimit "-1" is negative'),
  );
  expect(added('Deployment', 'tasknote-api', (o) => (pod(o).topologySpreadConstraints[0].maxSkew = 0))).toEqual(
    only('value-range', 'spec.template.spec.topologySpreadConstraints[0].maxSkew', 'maxSkew is 0'),
  );
});

test('fails when a clusterIP, a policy type list or an ipBlock is not what networking validation takes', () => {
  expect(added('Service', 'tasknote-api', (o) => (o.spec.clusterIP = 'NONE'))).toEqual(
    only('cross-field', 'spec.clusterIP', 'clusterIP "NONE" is neither None nor an IP address'),
  );
  expect(added('NetworkPolicy', 'tasknote-api', (o) => (o.spec.policyTypes = ['Ingress', 'Ingress', 'Egress']))).toEqual(
    only('cross-field', 'spec.policyTypes', '3 policyTypes ["Ingress","Ingress","Egress"]'),
  );
  expect(added('NetworkPolicy', 'tasknote-api', (o) => (o.spec.egress[0].to[0] = { ipBlock: { cidr: '10.0.0.0/33' } }))).toEqual(
    only('cross-field', 'spec.egress[0].to[0].ipBlock.cidr', 'ipBlock CIDR "10.0.0.0/33" is not a CIDR'),
  );
  expect(
    added('NetworkPolicy', 'tasknote-api', (o) => (o.spec.egress[0].to[0] = { ipBlock: { cidr: '010.0.0.0/8', except: ['fd00::/8'] } })),
  ).toEqual([]);
});

test('fails when a container runs as UID 0, which Pod Security restricted refuses', () => {
  expect(added('Deployment', 'tasknote-api', (o) => (container(o).securityContext.runAsUser = 0))).toEqual(
    only('run-as-non-root', `${C}.securityContext.runAsUser`, 'container api: runAsUser is 0 (root)'),
  );
  // A pod-level 0 is refused even where each container sets its own UID.
  expect(
    added('Deployment', 'tasknote-api', (o) => {
      pod(o).securityContext.runAsUser = 0;
      for (const c of pod(o).containers) c.securityContext.runAsUser = 10001;
    }),
  ).toEqual(only('run-as-non-root', 'spec.template.spec.securityContext.runAsUser', 'the pod sets runAsUser 0 (root)'));
  expect(
    added('Deployment', 'tasknote-api', (o) => {
      pod(o).securityContext.runAsNonRoot = false;
      for (const c of pod(o).containers) c.securityContext.runAsNonRoot = true;
    }),
  ).toEqual(only('run-as-non-root', 'spec.template.spec.securityContext.runAsNonRoot', 'the pod sets runAsNonRoot false'));
});

test('fails when a target value the HPA needs is null, which the server reads as unset', () => {
  expect(added('HorizontalPodAutoscaler', 'tasknote-api', (o) => (o.spec.metrics[0].resource.target.averageUtilization = null))).toEqual(
    only('autoscaler-spec', 'spec.metrics[0].resource.target', 'a Resource target without a target averageUtilization or averageValue'),
  );
});

test('takes what defaulting fills in or the decoder reads as unset, as the server does', () => {
  expect(added('StatefulSet', 'tasknote-postgres', (o) => (container(o).livenessProbe.successThreshold = null))).toEqual([]);
  expect(added('Service', 'tasknote-api', (o) => (o.spec.ports[0].targetPort = ''))).toEqual([]);
  expect(
    added('Deployment', 'tasknote-api', (o) => (container(o).livenessProbe = { ...container(o).livenessProbe, successThreshold: 0 })),
  ).toEqual([]);
  expect(added('HorizontalPodAutoscaler', 'tasknote-api', (o) => (o.spec.behavior.scaleDown.stabilizationWindowSeconds = null))).toEqual(
    [],
  );
});
