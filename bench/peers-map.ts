// What bench/peers.ts needs to compare tools: check's rules grouped into defect classes, each
// peer check mapped onto the check rules that catch the same defect (or why check has none), and
// the disposition of every peer finding on our own dist/. docs/check.md carries the same tables.

import { API_VALIDATION_RULES } from '../check/rules/api-validation';
import { POD_SECURITY_CONTROL_RULES } from '../check/rules/pod-security-controls';
import { SERVER_SCHEMA_RULE_IDS } from '../check/schema';

export type DefectClass =
  | 'schema'
  | 'pod-security'
  | 'secrets'
  | 'resources'
  | 'probes'
  | 'images'
  | 'availability'
  | 'network'
  | 'references'
  | 'jobs'
  | 'namespaces'
  | 'waivers';

export const DEFECT_CLASSES: readonly { id: DefectClass; title: string }[] = [
  { id: 'schema', title: 'schema, API versions, names, labels, YAML' },
  { id: 'pod-security', title: 'pod security (PSS restricted, UIDs, service accounts)' },
  { id: 'secrets', title: 'secrets in env, ConfigMaps, Secret values' },
  { id: 'resources', title: 'resource requests and limits' },
  { id: 'probes', title: 'probes and graceful shutdown' },
  { id: 'images', title: 'image tags, digests, pull policy' },
  { id: 'availability', title: 'replicas, PDBs, spread, autoscalers' },
  { id: 'network', title: 'network policies' },
  { id: 'references', title: 'references between objects' },
  { id: 'jobs', title: 'Jobs and CronJobs' },
  { id: 'namespaces', title: 'namespaces and conventions' },
  { id: 'waivers', title: 'waivers' },
];

const RULES_BY_CLASS: Record<DefectClass, string[]> = {
  // The API server's validation code (check/rules/api-validation.ts) counts with the schema.
  schema: [...SERVER_SCHEMA_RULE_IDS, 'duplicate-object', ...API_VALIDATION_RULES.map((r) => r.id)],
  'pod-security': [
    'run-as-non-root',
    'run-as-user',
    'high-uid',
    'allow-privilege-escalation',
    'drop-all-capabilities',
    'added-capabilities',
    'seccomp-profile',
    'read-only-root-filesystem',
    'writable-tmp',
    'privileged',
    'host-namespaces',
    'host-port',
    'host-path',
    'automount-service-account-token',
    'dedicated-service-account',
    ...POD_SECURITY_CONTROL_RULES.map((r) => r.id),
  ],
  secrets: ['secret-has-data', 'secret-in-env', 'secret-in-configmap'],
  resources: ['resource-requests', 'memory-limit', 'ephemeral-storage'],
  probes: ['readiness-probe', 'liveness-probe', 'probes-differ', 'startup-probe', 'prestop-delay', 'termination-grace-period'],
  images: ['image-tag', 'image-digest', 'image-pull-policy'],
  availability: [
    'replicas',
    'pod-disruption-budget',
    'pdb-allows-eviction',
    'topology-spread',
    'zone-spread',
    'hpa-with-replicas',
    'hpa-behavior',
  ],
  network: ['default-deny-network-policy', 'dns-egress', 'ingress-controller-allowed', 'network-flow', 'network-policy-selects'],
  references: [
    'missing-configmap',
    'missing-secret',
    'missing-pvc',
    'missing-service-account',
    'service-selector',
    'service-target-port',
    'ingress-backend',
    'hpa-target',
    'pdb-selector',
  ],
  jobs: [
    'cronjob-concurrency-policy',
    'cronjob-starting-deadline',
    'cronjob-time-zone',
    'job-backoff-limit',
    'job-active-deadline',
    'job-ttl',
  ],
  namespaces: ['explicit-namespace', 'pod-security-labels', 'config-hash'],
  waivers: ['waiver-reason', 'waiver-unknown-rule', 'waiver-unused'],
};

export const CLASS_OF_RULE: Record<string, DefectClass> = Object.fromEntries(
  (Object.entries(RULES_BY_CLASS) as [DefectClass, string[]][]).flatMap(([cls, rules]) => rules.map((r) => [r, cls])),
);

/**
 * A peer check either corresponds to check rules (`rules`; `anyObject` when check reports the
 * same defect on another object of the pair, e.g. the Deployment rather than its Service), or
 * has no counterpart in check, with the reason (`none`).
 */
export type PeerCheck = { readonly rules: readonly string[]; readonly anyObject?: boolean } | { readonly none: string };

const SCHEMA = [
  'api-version',
  'schema-required',
  'schema-type',
  'schema-enum',
  'schema-format',
  'unknown-field',
  'yaml-syntax',
  'metadata-name',
  'label-syntax',
];
const NOT_IN_CHECK = {
  cpuLimit:
    'CPU limits are not required: they throttle a pod that has idle cores to use; the policy requires CPU and memory requests and a memory limit (docs/check.md, "Where check differs from its peers")',
  pullAlways:
    'documented choice: digest-pinned images use IfNotPresent; a digest cannot change, so Always only adds a registry round trip per start (docs/check.md)',
  secretEnv:
    'check allows secretKeyRef env values (the deploy step creates the Secret); it rejects literal credentials in env instead (secret-in-env); files are preferred but not required (docs/check.md)',
  equalRequests:
    'Guaranteed QoS (requests = limits) is not required: requests below limits let batch work burst; memory limits are required',
  rbac: 'check does not review RBAC: the stack grants no Kubernetes API permissions, and RBAC review needs the cluster-side roles too (listed in docs/check.md as not covered)',
  nodePort: 'not covered: a Service type rule (no NodePort/LoadBalancer) is listed in docs/check.md as a candidate',
  netRaw: 'covered by drop-all-capabilities, which requires dropping ALL (NET_RAW included)',
};

export const PEER_CHECKS: Record<string, Record<string, PeerCheck>> = {
  kubeconform: {
    invalid: { rules: SCHEMA },
    'no-schema': { rules: ['api-version'] },
    error: { rules: ['yaml-syntax', 'schema-type'] },
  },
  'kube-score': {
    'container-security-context-user-group-id': { rules: ['run-as-user', 'high-uid', 'run-as-non-root'] },
    'container-security-context-privileged': { rules: ['privileged'] },
    'container-security-context-readonlyrootfilesystem': { rules: ['read-only-root-filesystem'] },
    'container-seccomp-profile': { rules: ['seccomp-profile'] },
    'container-resources': { rules: ['resource-requests', 'memory-limit'] },
    'container-resources:cpu-limit': { none: NOT_IN_CHECK.cpuLimit },
    'container-image-tag': { rules: ['image-tag'] },
    'container-image-pull-policy': { none: NOT_IN_CHECK.pullAlways },
    'container-ephemeral-storage-request-and-limit': { rules: ['ephemeral-storage'] },
    'container-resource-requests-equal-limits': { none: NOT_IN_CHECK.equalRequests },
    'container-cpu-requests-equal-limits': { none: NOT_IN_CHECK.equalRequests },
    'container-memory-requests-equal-limits': { none: NOT_IN_CHECK.equalRequests },
    'container-ephemeral-storage-request-equals-limit': { none: NOT_IN_CHECK.equalRequests },
    'container-ports-check': {
      none: 'port names and protocols are checked by the schema (names are IANA_SVC_NAME); kube-score only warns on long names',
    },
    'environment-variable-key-duplication': {
      none: 'not covered: duplicate env keys (the later wins silently) are listed in docs/check.md as a candidate',
    },
    'statefulset-has-poddisruptionbudget': { rules: ['pod-disruption-budget'] },
    'deployment-has-poddisruptionbudget': { rules: ['pod-disruption-budget'] },
    'poddisruptionbudget-has-policy': { rules: ['schema-required', 'pdb-allows-eviction'] },
    'pod-networkpolicy': { rules: ['default-deny-network-policy'], anyObject: true },
    'networkpolicy-targets-pod': { rules: ['network-policy-selects'] },
    'pod-probes': { rules: ['readiness-probe', 'liveness-probe', 'startup-probe', 'probes-differ'] },
    'pod-probes-identical': { rules: ['probes-differ'] },
    'service-targets-pod': { rules: ['service-selector'] },
    'service-type': { none: NOT_IN_CHECK.nodePort },
    'stable-version': { rules: ['api-version'] },
    'deployment-has-host-podantiaffinity': { rules: ['topology-spread'] },
    'statefulset-has-host-podantiaffinity': { rules: ['topology-spread'] },
    'deployment-targeted-by-hpa-does-not-have-replicas-configured': { rules: ['hpa-with-replicas'] },
    'statefulset-has-servicename': {
      none: 'not covered: a StatefulSet serviceName naming an existing headless Service is listed in docs/check.md as a candidate',
    },
    'deployment-pod-selector-labels-match-template-metadata-labels': { rules: ['schema-required'] },
    'statefulset-pod-selector-labels-match-template-metadata-labels': { rules: ['schema-required'] },
    'label-values': { rules: ['label-syntax'] },
    'horizontalpodautoscaler-has-target': { rules: ['hpa-target'] },
    'horizontalpodautoscaler-replicas': { rules: ['replicas'] },
    'deployment-replicas': { rules: ['replicas'] },
    'pod-topology-spread-constraints': { rules: ['topology-spread'] },
    'ingress-targets-service': { rules: ['ingress-backend'] },
    'cronjob-has-deadline': { rules: ['cronjob-starting-deadline'] },
    'cronjob-restartpolicy': { rules: ['schema-enum'] },
    'deployment-strategy': {
      none: 'not covered: a Deployment behind a Service using Recreate is allowed (a single-writer workload may need it)',
    },
    'parse-error': { rules: ['yaml-syntax', 'schema-type'] },
  },
  checkov: {
    CKV_K8S_8: { rules: ['liveness-probe'] },
    CKV_K8S_9: { rules: ['readiness-probe'] },
    CKV_K8S_10: { rules: ['resource-requests'] },
    CKV_K8S_11: { none: NOT_IN_CHECK.cpuLimit },
    CKV_K8S_12: { rules: ['resource-requests'] },
    CKV_K8S_13: { rules: ['memory-limit'] },
    CKV_K8S_14: { rules: ['image-tag'] },
    CKV_K8S_15: { none: NOT_IN_CHECK.pullAlways },
    CKV_K8S_16: { rules: ['privileged'] },
    CKV_K8S_17: { rules: ['host-namespaces'] },
    CKV_K8S_18: { rules: ['host-namespaces'] },
    CKV_K8S_19: { rules: ['host-namespaces'] },
    CKV_K8S_20: { rules: ['allow-privilege-escalation'] },
    CKV_K8S_21: { rules: ['explicit-namespace'] },
    CKV_K8S_22: { rules: ['read-only-root-filesystem'] },
    CKV_K8S_23: { rules: ['run-as-non-root'] },
    CKV_K8S_25: { rules: ['added-capabilities'] },
    CKV_K8S_26: { rules: ['host-port'] },
    CKV_K8S_27: { rules: ['host-path'] },
    CKV_K8S_28: { rules: ['drop-all-capabilities'] },
    CKV_K8S_29: { rules: ['run-as-non-root', 'run-as-user', 'seccomp-profile'] },
    CKV_K8S_30: { rules: ['allow-privilege-escalation', 'drop-all-capabilities', 'read-only-root-filesystem', 'run-as-non-root'] },
    CKV_K8S_31: { rules: ['seccomp-profile'] },
    CKV_K8S_35: { none: NOT_IN_CHECK.secretEnv },
    CKV_K8S_36: { rules: ['drop-all-capabilities'] },
    CKV_K8S_37: { rules: ['drop-all-capabilities'] },
    CKV_K8S_38: { rules: ['automount-service-account-token'] },
    CKV_K8S_39: { rules: ['added-capabilities'] },
    CKV_K8S_40: { rules: ['high-uid', 'run-as-user'] },
    CKV_K8S_41: { rules: ['dedicated-service-account'] },
    CKV_K8S_42: { rules: ['dedicated-service-account'] },
    CKV_K8S_43: { rules: ['image-digest'] },
    CKV_K8S_49: { none: NOT_IN_CHECK.rbac },
    CKV_K8S_155: { none: NOT_IN_CHECK.rbac },
    CKV_K8S_156: { none: NOT_IN_CHECK.rbac },
    CKV_K8S_157: { none: NOT_IN_CHECK.rbac },
    CKV_K8S_158: { none: NOT_IN_CHECK.rbac },
    CKV2_K8S_5: { none: NOT_IN_CHECK.rbac },
    CKV2_K8S_6: { rules: ['default-deny-network-policy'], anyObject: true },
    /** Every CKV_SECRET_<n> (a credential format found in a file). */
    CKV_SECRET: { rules: ['secret-in-env', 'secret-in-configmap', 'secret-has-data'] },
  },
  kyverno: {
    'pss-baseline': { rules: ['privileged', 'host-namespaces', 'host-port', 'host-path', 'added-capabilities', 'seccomp-profile'] },
    'pss-restricted': {
      rules: [
        'run-as-non-root',
        'allow-privilege-escalation',
        'drop-all-capabilities',
        'added-capabilities',
        'seccomp-profile',
        'privileged',
        'host-namespaces',
        'host-port',
        'host-path',
      ],
    },
  },
};

/** Why a peer named in #15 is not in the comparison. */
export const UNAVAILABLE_PEERS = [
  {
    name: 'kube-linter',
    why: 'the Go module proxy answers 403 "not available" for golang.stackrox.io/kube-linter and github.com/stackrox/kube-linter, every version; kube-score stands in as the best-practice linter in the speed goal',
  },
  {
    name: 'Polaris',
    why: 'the Go module proxy answers 403 "not available" for github.com/fairwindsops/polaris (either spelling), every version',
  },
];

export interface Disposition {
  readonly status: 'waived' | 'argued';
  readonly why: string;
}

/**
 * Every peer finding on dist/, by `tool:check` or `tool:check@Kind/name`. `argued` points at
 * the argument in docs/check.md ("Peer findings on our own dist/").
 */
export const DIST_DISPOSITIONS: Record<string, Disposition> = {
  'kube-score:container-image-pull-policy': {
    status: 'argued',
    why: 'images are pinned by digest; IfNotPresent is the documented choice (docs/check.md, image-pull-policy)',
  },
  'checkov:CKV_K8S_15': { status: 'argued', why: 'as kube-score container-image-pull-policy: digest-pinned, IfNotPresent by choice' },
  'kube-score:container-security-context-user-group-id': {
    status: 'waived',
    why: "postgres, redis and db-backup (the postgres image) run as the official images' UID/GID 999: waive.check.tasknote.dev/high-uid on each, with the reason (the peers do not read check's waiver annotations)",
  },
  'checkov:CKV_K8S_40': {
    status: 'waived',
    why: "as kube-score container-security-context-user-group-id: the official images' UID 999, waived with its reason",
  },
  'kube-score:deployment-has-host-podantiaffinity': {
    status: 'argued',
    why: 'the workloads spread with topologySpreadConstraints over hostname (and zone in prod), which kube-score 1.20 does not read for this check',
  },
  'kube-score:statefulset-has-host-podantiaffinity': {
    status: 'argued',
    why: 'as deployment-has-host-podantiaffinity: topology spread instead of anti-affinity',
  },
  'kube-score:deployment-replicas@Deployment/tasknote-api': {
    status: 'argued',
    why: 'only in dev, which runs one replica by design (no replicas group in the dev profile)',
  },
  'kube-score:deployment-replicas@Deployment/tasknote-redis': {
    status: 'waived',
    why: 'one cache instance by design: waive.check.tasknote.dev/replicas on the Deployment, with the reason',
  },
  'kube-score:container-resources:cpu-limit': { status: 'argued', why: 'no CPU limits by policy (docs/check.md)' },
  'checkov:CKV_K8S_11': { status: 'argued', why: 'no CPU limits by policy (docs/check.md)' },
  'kube-score:container-resource-requests-equal-limits': {
    status: 'argued',
    why: 'strict only: Guaranteed QoS is not required (docs/check.md)',
  },
  'kube-score:container-cpu-requests-equal-limits': {
    status: 'argued',
    why: 'strict only: Guaranteed QoS is not required (docs/check.md)',
  },
  'kube-score:container-memory-requests-equal-limits': {
    status: 'argued',
    why: 'strict only: Guaranteed QoS is not required (docs/check.md)',
  },
  'kube-score:container-ephemeral-storage-request-equals-limit': {
    status: 'argued',
    why: 'strict only: Guaranteed QoS is not required (docs/check.md)',
  },
  'checkov:CKV_K8S_35': {
    status: 'argued',
    why: 'secrets reach the pods through secretKeyRef from a Secret the deploy step creates (docs/check.md)',
  },
  'checkov:CKV_K8S_43': {
    status: 'argued',
    why: 'dev uses locally built tags by design; staging and prod are digest-pinned (image-digest runs there)',
  },
};

/**
 * Why check (strict) does not flag a peer finding on the fixture stacks, by `tool:check`: a
 * difference by design, argued in docs/check.md ("Where check differs from its peers").
 */
export const FIXTURE_DIFFERENCES: Record<string, string> = {
  'kube-score:deployment-has-poddisruptionbudget':
    'check asks for a PDB only where a workload can run more than one replica; on a single replica a PDB either blocks every drain or protects nothing',
  'kube-score:statefulset-has-poddisruptionbudget': 'as deployment-has-poddisruptionbudget: single replica',
  'kube-score:deployment-has-host-podantiaffinity':
    'check accepts topologySpreadConstraints over kubernetes.io/hostname as well as anti-affinity, and asks for neither on a single replica',
  'kube-score:statefulset-has-host-podantiaffinity': 'as deployment-has-host-podantiaffinity',
  'kube-score:pod-probes-identical':
    'check compares whole probes: the same endpoint with a more tolerant liveness (higher failureThreshold or timeout) takes an overloaded pod out of rotation before it restarts it, the fix check itself suggests',
  'checkov:CKV_K8S_9': 'check asks for a readiness probe only on containers behind a Service: readiness only gates Service endpoints',
  'checkov:CKV_K8S_38':
    "check accepts automountServiceAccountToken: false on the pod's ServiceAccount, which the API server applies to every pod using it; Checkov reads the pod only",
  'checkov:CKV_SECRET_6':
    "a high-entropy value inside a Secret's data is where a credential belongs; whether a Secret may carry values at all is a stack's convention (TaskNote's secret-has-data, group conventions)",
};
