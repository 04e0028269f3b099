// The API surface of Kubernetes 1.28: which apiVersion/kind pairs a 1.28 API server serves with
// its default feature gates, and why the usual suspects are not served. The schema libraries
// track newer releases and keep long-removed versions, so this table decides what exists.

export const KUBERNETES_VERSION = '1.28';

const SERVED: Record<string, readonly string[]> = {
  v1: [
    'Binding',
    'ComponentStatus',
    'ConfigMap',
    'Endpoints',
    'Event',
    'LimitRange',
    'Namespace',
    'Node',
    'PersistentVolume',
    'PersistentVolumeClaim',
    'Pod',
    'PodTemplate',
    'ReplicationController',
    'ResourceQuota',
    'Secret',
    'Service',
    'ServiceAccount',
  ],
  'admissionregistration.k8s.io/v1': ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
  'apiextensions.k8s.io/v1': ['CustomResourceDefinition'],
  'apiregistration.k8s.io/v1': ['APIService'],
  'apps/v1': ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'],
  'authentication.k8s.io/v1': ['TokenReview', 'SelfSubjectReview'],
  'authorization.k8s.io/v1': ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview'],
  'autoscaling/v1': ['HorizontalPodAutoscaler'],
  'autoscaling/v2': ['HorizontalPodAutoscaler'],
  'batch/v1': ['CronJob', 'Job'],
  'certificates.k8s.io/v1': ['CertificateSigningRequest'],
  'coordination.k8s.io/v1': ['Lease'],
  'discovery.k8s.io/v1': ['EndpointSlice'],
  'events.k8s.io/v1': ['Event'],
  'flowcontrol.apiserver.k8s.io/v1beta2': ['FlowSchema', 'PriorityLevelConfiguration'],
  'flowcontrol.apiserver.k8s.io/v1beta3': ['FlowSchema', 'PriorityLevelConfiguration'],
  'networking.k8s.io/v1': ['Ingress', 'IngressClass', 'NetworkPolicy'],
  'node.k8s.io/v1': ['RuntimeClass'],
  'policy/v1': ['PodDisruptionBudget'],
  'rbac.authorization.k8s.io/v1': ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
  'scheduling.k8s.io/v1': ['PriorityClass'],
  'storage.k8s.io/v1': ['CSIDriver', 'CSINode', 'CSIStorageCapacity', 'StorageClass', 'VolumeAttachment'],
};

/** Group versions that older manifests still use, with the release that stopped serving them. */
const REMOVED: Record<string, { readonly removedIn: string; readonly use: string }> = {
  'extensions/v1beta1': { removedIn: '1.22', use: 'apps/v1 (workloads) or networking.k8s.io/v1 (Ingress, NetworkPolicy)' },
  'apps/v1beta1': { removedIn: '1.16', use: 'apps/v1' },
  'apps/v1beta2': { removedIn: '1.16', use: 'apps/v1' },
  'policy/v1beta1': { removedIn: '1.25', use: 'policy/v1 (PodSecurityPolicy has no replacement: use Pod Security admission labels)' },
  'autoscaling/v2beta1': { removedIn: '1.25', use: 'autoscaling/v2' },
  'autoscaling/v2beta2': { removedIn: '1.26', use: 'autoscaling/v2' },
  'batch/v1beta1': { removedIn: '1.25', use: 'batch/v1' },
  'discovery.k8s.io/v1beta1': { removedIn: '1.25', use: 'discovery.k8s.io/v1' },
  'events.k8s.io/v1beta1': { removedIn: '1.25', use: 'events.k8s.io/v1' },
  'networking.k8s.io/v1beta1': { removedIn: '1.22', use: 'networking.k8s.io/v1' },
  'rbac.authorization.k8s.io/v1beta1': { removedIn: '1.22', use: 'rbac.authorization.k8s.io/v1' },
  'storage.k8s.io/v1beta1': { removedIn: '1.27', use: 'storage.k8s.io/v1' },
  'flowcontrol.apiserver.k8s.io/v1beta1': { removedIn: '1.26', use: 'flowcontrol.apiserver.k8s.io/v1beta3' },
  'node.k8s.io/v1beta1': { removedIn: '1.25', use: 'node.k8s.io/v1' },
  'admissionregistration.k8s.io/v1beta1': { removedIn: '1.22', use: 'admissionregistration.k8s.io/v1' },
  'apiextensions.k8s.io/v1beta1': { removedIn: '1.22', use: 'apiextensions.k8s.io/v1' },
  'scheduling.k8s.io/v1beta1': { removedIn: '1.22', use: 'scheduling.k8s.io/v1' },
  'certificates.k8s.io/v1beta1': { removedIn: '1.22', use: 'certificates.k8s.io/v1' },
  'coordination.k8s.io/v1beta1': { removedIn: '1.22', use: 'coordination.k8s.io/v1' },
};

/** apiVersion/kind pairs that became generally available after 1.28. */
const LATER: Record<string, string> = {
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy': '1.30',
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding': '1.30',
  'admissionregistration.k8s.io/v1/MutatingAdmissionPolicy': '1.34',
  'admissionregistration.k8s.io/v1/MutatingAdmissionPolicyBinding': '1.34',
  'flowcontrol.apiserver.k8s.io/v1/FlowSchema': '1.29',
  'flowcontrol.apiserver.k8s.io/v1/PriorityLevelConfiguration': '1.29',
  'networking.k8s.io/v1/IPAddress': '1.33',
  'networking.k8s.io/v1/ServiceCIDR': '1.33',
  'resource.k8s.io/v1/ResourceClaim': '1.34',
  'storage.k8s.io/v1/VolumeAttributesClass': '1.34',
};

/**
 * Fields that the bundled client models know but a 1.28 API server rejects as unknown,
 * keyed by model name. Limited to the pod, workload and service types that manifests carry.
 */
export const FIELDS_ADDED_AFTER: Record<string, Record<string, string>> = {
  V1LifecycleHandler: { sleep: '1.29' },
  V1Lifecycle: { stopSignal: '1.33' },
  V1SecurityContext: { appArmorProfile: '1.30' },
  V1PodSecurityContext: { appArmorProfile: '1.30', supplementalGroupsPolicy: '1.31', seLinuxChangePolicy: '1.32' },
  V1PodSpec: { resources: '1.32' },
  V1Volume: { image: '1.31' },
  V1VolumeMount: { recursiveReadOnly: '1.30' },
  V1ServiceSpec: { trafficDistribution: '1.30' },
  V1JobSpec: { successPolicy: '1.30', managedBy: '1.30' },
  V1PersistentVolumeClaimSpec: { volumeAttributesClassName: '1.29' },
  V1PodAffinityTerm: { matchLabelKeys: '1.29', mismatchLabelKeys: '1.29' },
};

export type ApiLookup = { readonly served: true } | { readonly served: false; readonly found: string; readonly fix: string };

/** Says whether a 1.28 API server serves `apiVersion`/`kind`, and if not, what to use instead. */
export function lookupApi(apiVersion: string, kind: string): ApiLookup {
  const kinds = SERVED[apiVersion];
  if (kinds?.includes(kind)) return { served: true };
  const removed = REMOVED[apiVersion];
  if (removed) {
    return {
      served: false,
      found: `apiVersion ${apiVersion} was removed in Kubernetes ${removed.removedIn}`,
      fix: `use ${removed.use}`,
    };
  }
  const later = LATER[`${apiVersion}/${kind}`];
  if (later) {
    return {
      served: false,
      found: `${apiVersion} ${kind} is served from Kubernetes ${later}, not ${KUBERNETES_VERSION}`,
      fix: `target an API that Kubernetes ${KUBERNETES_VERSION} serves, or raise the cluster version the check targets`,
    };
  }
  const versions = Object.entries(SERVED)
    .filter(([, ks]) => ks.includes(kind))
    .map(([v]) => v);
  if (kinds || versions.length > 0) {
    return {
      served: false,
      found: `Kubernetes ${KUBERNETES_VERSION} does not serve kind ${kind} in ${apiVersion}`,
      fix:
        versions.length > 0
          ? `use apiVersion ${versions.join(' or ')} for ${kind}`
          : `use one of the kinds of ${apiVersion}: ${kinds!.join(', ')}`,
    };
  }
  return {
    served: false,
    found: `unknown apiVersion/kind ${apiVersion} ${kind}`,
    fix: 'use a built-in Kubernetes 1.28 API; for a custom resource, include its CustomResourceDefinition or pass --provided CustomResourceDefinition/<plural>.<group>',
  };
}
