// Why the Secrets that a controller makes did not arrive, for the message of a failed deploy. The
// deploy waits for each SealedSecret to be `Synced` and each ExternalSecret to be `Ready`
// (deploy/program.ts); when that wait fails, the Kubernetes provider records the object as it
// last saw it, status included, in the stack's state. This reads the controller's own words
// from there and says what to do. Pure: the caller passes the state's resources.

/** A resource of an exported Pulumi state (`pulumi stack export`), the fields read here. */
export interface StateResource {
  readonly type: string;
  readonly outputs?: Record<string, unknown>;
}

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

interface ObservedObject {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly generation?: number };
  readonly status?: { readonly conditions?: readonly Condition[]; readonly observedGeneration?: number };
}

/** The kinds whose controller makes a Secret, the Pulumi type of each, and the condition that says it did. */
const CONTROLLER_MADE = {
  SealedSecret: { type: 'kubernetes:bitnami.com/v1alpha1:SealedSecret', condition: 'Synced', controller: 'sealed-secrets controller' },
  ExternalSecret: { type: 'kubernetes:external-secrets.io/v1:ExternalSecret', condition: 'Ready', controller: 'External Secrets Operator' },
} as const;
type ControllerKind = keyof typeof CONTROLLER_MADE;

/**
 * One line per SealedSecret or ExternalSecret of the state whose Secret the controller has not
 * made, with the controller's message and what to do; empty when every one of them is done.
 */
export function controllerSecretProblems(resources: readonly StateResource[], envName: string): string[] {
  const problems: string[] = [];
  for (const resource of resources) {
    const kind = (Object.keys(CONTROLLER_MADE) as ControllerKind[]).find((k) => CONTROLLER_MADE[k].type === resource.type);
    if (kind === undefined || resource.outputs === undefined) continue;
    const obj = resource.outputs as ObservedObject;
    const problem = problemOf(kind, obj, envName);
    if (problem !== undefined) problems.push(`${kind} '${obj.metadata?.name ?? '?'}': ${problem}`);
  }
  return problems;
}

function problemOf(kind: ControllerKind, obj: ObservedObject, envName: string): string | undefined {
  const { condition: wanted, controller } = CONTROLLER_MADE[kind];
  const condition = obj.status?.conditions?.find((c) => c.type === wanted);
  const current =
    obj.status?.observedGeneration === undefined ||
    obj.metadata?.generation === undefined ||
    obj.status.observedGeneration >= obj.metadata.generation;
  if (condition?.status === 'True' && current) return undefined;
  if (condition === undefined) {
    return `no ${controller} has answered (no ${wanted} condition): is it installed and running in this cluster${kind === 'SealedSecret' ? ' (by default in kube-system)' : ''}?`;
  }
  if (!current)
    return `the ${controller} has not yet processed its latest version (${wanted}=${condition.status}); it may be overloaded or stopped`;
  const said = `the ${controller} says "${condition.message ?? condition.reason ?? `${wanted}=${condition.status}`}"`;
  return `${said}; ${hintFor(kind, condition.message ?? '', envName)}`;
}

function hintFor(kind: ControllerKind, message: string, envName: string): string {
  if (kind === 'SealedSecret') {
    if (/no key could decrypt/i.test(message)) {
      return (
        `it was sealed with a certificate that is not this cluster's (another cluster's, or a key this controller does not hold). ` +
        `Fetch this cluster's certificate (kubeseal --fetch-cert > environments/sealed/${envName}/cert.pem), ` +
        `seal the values again (npm run seal -- --env ${envName} --stdin), and deploy again; the Secret keeps its previous value meanwhile`
      );
    }
    if (/already exists and is not managed/i.test(message)) {
      return `a Secret of that name was in the namespace before and is not the controller's: delete it, or annotate it sealedsecrets.bitnami.com/managed=true for the controller to take it over`;
    }
    return `seal it again with npm run seal -- --env ${envName}, or see kubectl describe sealedsecret`;
  }
  return `check the store (secrets.store) and the remote key (secrets.remoteKeys) of environment '${envName}', or see kubectl describe externalsecret`;
}
