// The API surface of the targeted Kubernetes release (core/kubernetes-version.ts): which
// apiVersion/kind pairs its API server serves with default feature gates, and why the usual
// suspects are not served. The schema libraries track newer releases and keep long-removed
// versions, so this table decides what exists.
import { KUBERNETES_VERSION, isLaterRelease } from '../core/kubernetes-version';

export { KUBERNETES_VERSION };

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
  'admissionregistration.k8s.io/v1': [
    'MutatingWebhookConfiguration',
    'ValidatingWebhookConfiguration',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
  ],
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
  'flowcontrol.apiserver.k8s.io/v1': ['FlowSchema', 'PriorityLevelConfiguration'],
  'networking.k8s.io/v1': ['Ingress', 'IngressClass', 'NetworkPolicy', 'IPAddress', 'ServiceCIDR'],
  'node.k8s.io/v1': ['RuntimeClass'],
  'policy/v1': ['PodDisruptionBudget'],
  'rbac.authorization.k8s.io/v1': ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
  'scheduling.k8s.io/v1': ['PriorityClass'],
  'resource.k8s.io/v1': ['DeviceClass', 'ResourceClaim', 'ResourceClaimTemplate', 'ResourceSlice'],
  'storage.k8s.io/v1': ['CSIDriver', 'CSINode', 'CSIStorageCapacity', 'StorageClass', 'VolumeAttachment', 'VolumeAttributesClass'],
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
  'flowcontrol.apiserver.k8s.io/v1beta1': { removedIn: '1.26', use: 'flowcontrol.apiserver.k8s.io/v1' },
  'flowcontrol.apiserver.k8s.io/v1beta2': { removedIn: '1.29', use: 'flowcontrol.apiserver.k8s.io/v1' },
  'flowcontrol.apiserver.k8s.io/v1beta3': { removedIn: '1.32', use: 'flowcontrol.apiserver.k8s.io/v1' },
  'node.k8s.io/v1beta1': { removedIn: '1.25', use: 'node.k8s.io/v1' },
  'admissionregistration.k8s.io/v1beta1': { removedIn: '1.22', use: 'admissionregistration.k8s.io/v1' },
  'apiextensions.k8s.io/v1beta1': { removedIn: '1.22', use: 'apiextensions.k8s.io/v1' },
  'scheduling.k8s.io/v1beta1': { removedIn: '1.22', use: 'scheduling.k8s.io/v1' },
  'certificates.k8s.io/v1beta1': { removedIn: '1.22', use: 'certificates.k8s.io/v1' },
  'coordination.k8s.io/v1beta1': { removedIn: '1.22', use: 'coordination.k8s.io/v1' },
};

/**
 * apiVersion/kind pairs served only from a release after the target (none is known yet for
 * 1.34: its beta APIs, such as admissionregistration.k8s.io/v1beta1 MutatingAdmissionPolicy, are
 * off by default and are reported as unknown).
 */
const LATER: Record<string, string> = {};

/**
 * Fields that the bundled client models (OpenAPI 1.33) know, by the release that added them, keyed
 * by model name; those added after the target are rejected as unknown. Limited to the pod,
 * workload and service types that manifests carry. With the target at 1.34 none applies.
 */
const FIELDS_ADDED_IN: Record<string, Record<string, string>> = {
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

/** The fields of FIELDS_ADDED_IN that the target release does not have yet. */
export const FIELDS_ADDED_AFTER: Record<string, Record<string, string>> = Object.fromEntries(
  Object.entries(FIELDS_ADDED_IN)
    .map(([model, fields]) => [model, Object.fromEntries(Object.entries(fields).filter(([, v]) => isLaterRelease(v, KUBERNETES_VERSION)))])
    .filter(([, fields]) => Object.keys(fields).length > 0),
);

export type ApiLookup = { readonly served: true } | { readonly served: false; readonly found: string; readonly fix: string };

/** Says whether the target release's API server serves `apiVersion`/`kind`, and if not, what to use instead. */
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
    fix: `use a built-in Kubernetes ${KUBERNETES_VERSION} API; for a custom resource, include its CustomResourceDefinition or pass --provided CustomResourceDefinition/<plural>.<group>`,
  };
}
