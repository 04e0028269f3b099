// The one Kubernetes release everything here targets: what check models (served APIs, fields,
// validation and Pod Security), and the Pod Security version the Namespaces pin.

/** The Kubernetes minor release targeted, `major.minor`. */
export const KUBERNETES_VERSION = '1.34';

/** The Pod Security Standards version Namespaces pin (`pod-security.kubernetes.io/<mode>-version`). */
export const POD_SECURITY_VERSION = `v${KUBERNETES_VERSION}`;

/** Whether release `a` (`major.minor`) comes after release `b`. */
export function isLaterRelease(a: string, b: string): boolean {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am !== bm ? am > bm : an > bn;
}
