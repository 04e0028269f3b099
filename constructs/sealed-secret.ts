import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentChart } from './environment-chart';
import { validateProps } from './private/validate';
import { checkDnsLabel } from '../core/value-rules';
import { SEALED_SECRET_API_VERSION, SEALING_SCOPES, scopeAnnotations, type SealingScope } from '../core/sealing-scope';

/** Properties of a `SealedSecret`. */
export interface SealedSecretProps {
  /** Name of the SealedSecret and of the Secret the controller makes from it. */
  readonly name: string;
  /** The component that reads the Secret (`app.kubernetes.io/component`). */
  readonly component: string;
  /** Secret key -> base64 ciphertext, as `npm run seal` or kubeseal wrote it. */
  readonly encryptedData: Readonly<Record<string, string>>;
  /**
   * What the ciphertexts are bound to; must be the scope they were sealed with.
   * @default 'strict'
   */
  readonly scope?: SealingScope;
  /**
   * The namespace and name the values were sealed for (read from the sealed file). The
   * controller refuses a ciphertext sealed for another namespace or name in `strict` scope
   * (another namespace in `namespace-wide`), so this is checked here, before a deploy.
   * @default - the chart's namespace and `name`
   */
  readonly sealedFor?: { readonly namespace?: string; readonly name?: string };
}

const KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * A Secret delivered as a SealedSecret (bitnami.com/v1alpha1): ciphertexts only the cluster's
 * sealed-secrets controller can decrypt, safe to commit and to hand to Argo CD or Flux. The
 * controller makes a Secret of the same name, with the chart's labels, in the chart's namespace.
 */
export class SealedSecret extends Construct {
  readonly name: string;
  readonly keys: readonly string[];
  readonly scope: SealingScope;
  /** Escape hatch: the SealedSecret object. */
  readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: SealedSecretProps) {
    const chart = EnvironmentChart.of(scope);
    const sealedScope = props.scope ?? 'strict';
    const forNs = props.sealedFor?.namespace ?? chart.namespaceName;
    const forName = props.sealedFor?.name ?? props.name;
    validateProps(`SealedSecret '${id}'`, props, [
      { when: (p) => checkDnsLabel(p.name) !== undefined, message: (p) => `name (${JSON.stringify(p.name)}) ${checkDnsLabel(p.name)}` },
      { when: (p) => Object.keys(p.encryptedData).length === 0, message: () => 'encryptedData ({}) must hold at least one key' },
      {
        when: (p) => Object.keys(p.encryptedData).some((k) => !KEY.test(k)),
        message: (p) =>
          `encryptedData keys (${JSON.stringify(Object.keys(p.encryptedData))}) may hold only letters, digits, '-', '_' and '.'`,
      },
      {
        when: (p) => Object.values(p.encryptedData).some((v) => typeof v !== 'string' || !BASE64.test(v)),
        message: (p) =>
          `encryptedData values of ${JSON.stringify(Object.keys(p.encryptedData).filter((k) => !BASE64.test(String(p.encryptedData[k]))))} must be base64 ciphertext (seal them with npm run seal)`,
      },
      {
        when: () => !(SEALING_SCOPES as readonly string[]).includes(sealedScope),
        message: () => `scope (${JSON.stringify(sealedScope)}) must be one of: ${SEALING_SCOPES.join(', ')}`,
      },
      {
        when: () => sealedScope !== 'cluster-wide' && forNs !== chart.namespaceName,
        message: () =>
          `sealedFor.namespace (${JSON.stringify(forNs)}) must be the chart's namespace (${JSON.stringify(chart.namespaceName)}): the controller refuses values sealed for another namespace in ${sealedScope} scope; seal them again for this namespace`,
      },
      {
        when: (p) => sealedScope === 'strict' && forName !== p.name,
        message: (p) =>
          `sealedFor.name (${JSON.stringify(forName)}) must be the Secret's name (${JSON.stringify(p.name)}): the controller refuses values sealed for another name in strict scope; seal them again for this name`,
      },
    ]);
    super(scope, id);
    this.name = props.name;
    this.keys = Object.keys(props.encryptedData).sort();
    this.scope = sealedScope;
    const metadata = chart.metadataFor({ name: props.name, component: props.component }, scopeAnnotations(sealedScope));
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: SEALED_SECRET_API_VERSION,
      kind: 'SealedSecret',
      metadata,
      spec: {
        encryptedData: Object.fromEntries(this.keys.map((k) => [k, props.encryptedData[k]])),
        template: {
          type: 'Opaque',
          metadata: {
            name: props.name,
            namespace: chart.namespaceName,
            labels: chart.labelsFor({ name: props.name, component: props.component }),
          },
        },
      },
    });
  }
}
