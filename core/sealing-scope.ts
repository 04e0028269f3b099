// What a Sealed Secrets ciphertext is bound to, as the controller reads it
// (bitnami-labs/sealed-secrets, pkg/apis/sealedsecrets/v1alpha1 EncryptionLabel and SecretScope).
// The seal command encrypts with the label, constructs write the annotations, check reads both.

export const SEALED_SECRET_API_VERSION = 'bitnami.com/v1alpha1';
export const NAMESPACE_WIDE_ANNOTATION = 'sealedsecrets.bitnami.com/namespace-wide';
export const CLUSTER_WIDE_ANNOTATION = 'sealedsecrets.bitnami.com/cluster-wide';

/** `strict`: namespace and name; `namespace-wide`: the namespace; `cluster-wide`: nothing. */
export const SEALING_SCOPES = ['strict', 'namespace-wide', 'cluster-wide'] as const;
export type SealingScope = (typeof SEALING_SCOPES)[number];

/** The scope annotations declare (cluster-wide wins, as in the controller). */
export function scopeOf(annotations: Readonly<Record<string, unknown>> | undefined): SealingScope {
  if (annotations?.[CLUSTER_WIDE_ANNOTATION] === 'true') return 'cluster-wide';
  if (annotations?.[NAMESPACE_WIDE_ANNOTATION] === 'true') return 'namespace-wide';
  return 'strict';
}

/** The annotations that declare a scope (none for strict). */
export function scopeAnnotations(scope: SealingScope): Record<string, string> {
  if (scope === 'cluster-wide') return { [CLUSTER_WIDE_ANNOTATION]: 'true' };
  if (scope === 'namespace-wide') return { [NAMESPACE_WIDE_ANNOTATION]: 'true' };
  return {};
}

/** The RSA-OAEP label a value is sealed with: what binds the ciphertext to its namespace and name. */
export function encryptionLabel(namespace: string, name: string, scope: SealingScope): string {
  if (scope === 'cluster-wide') return '';
  if (scope === 'namespace-wide') return namespace;
  return `${namespace}/${name}`;
}
