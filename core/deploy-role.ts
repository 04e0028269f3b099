// How an object declares its place in a deploy. Constructs write the annotation; the deploy's
// waves read it (deploy/waves.ts). Kinds alone order the rest.

/** Annotation on an object's own metadata: its deploy role. */
export const DEPLOY_ROLE_ANNOTATION = 'deploy.tasknote.dev/role';

/**
 * - `datastore`: a workload that migrations need running; it is applied, and ready, before them.
 * - `migration`: a Job that must complete before any workload that is not a data store is applied.
 */
export const DEPLOY_ROLES = ['datastore', 'migration'] as const;
export type DeployRole = (typeof DEPLOY_ROLES)[number];

export function deployRoleAnnotation(role: DeployRole): Record<string, string> {
  return { [DEPLOY_ROLE_ANNOTATION]: role };
}
