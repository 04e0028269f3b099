import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentChart } from './environment-chart';
import { validateProps } from './private/validate';
import { checkDnsLabel } from '../core/value-rules';

/** The External Secrets store an ExternalSecret reads from. */
export interface SecretStoreRef {
  readonly kind: 'SecretStore' | 'ClusterSecretStore';
  readonly name: string;
}

/** Properties of an `ExternalSecret`. */
export interface ExternalSecretProps {
  /** Name of the ExternalSecret and of the Secret the operator makes from it. */
  readonly name: string;
  /** The component that reads the Secret (`app.kubernetes.io/component`). */
  readonly component: string;
  /** The store to read from. */
  readonly store: SecretStoreRef;
  /** The remote key (path) of the secret in the store. */
  readonly remoteKey: string;
  /** The Secret keys; each is read from the remote secret's property of the same name. */
  readonly keys: readonly string[];
  /**
   * How often the operator reads the store again; zero reads it once.
   * @default Duration.hours(1)
   */
  readonly refreshInterval?: Duration;
}

const KEY = /^[-._a-zA-Z0-9]+$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const EXTERNAL_SECRET_API_VERSION = 'external-secrets.io/v1';

/**
 * A Secret delivered by External Secrets Operator (external-secrets.io/v1 ExternalSecret): the
 * manifests name the store and the remote key, never a value. The operator makes, and owns, a
 * Secret of the same name with the chart's labels, and refreshes it every `refreshInterval`.
 */
export class ExternalSecret extends Construct {
  readonly name: string;
  readonly keys: readonly string[];
  /** Escape hatch: the ExternalSecret object. */
  readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: ExternalSecretProps) {
    const refresh = props.refreshInterval?.toSeconds() ?? 3600;
    validateProps(`ExternalSecret '${id}'`, props, [
      { when: (p) => checkDnsLabel(p.name) !== undefined, message: (p) => `name (${JSON.stringify(p.name)}) ${checkDnsLabel(p.name)}` },
      {
        when: (p) => p.store.kind !== 'SecretStore' && p.store.kind !== 'ClusterSecretStore',
        message: (p) => `store.kind (${JSON.stringify(p.store.kind)}) must be SecretStore or ClusterSecretStore`,
      },
      {
        when: (p) => !DNS_SUBDOMAIN.test(p.store.name),
        message: (p) => `store.name (${JSON.stringify(p.store.name)}) must be a DNS-1123 subdomain`,
      },
      { when: (p) => p.remoteKey.trim() === '', message: (p) => `remoteKey (${JSON.stringify(p.remoteKey)}) must not be empty` },
      { when: (p) => p.keys.length === 0, message: () => 'keys ([]) must list at least one key' },
      {
        when: (p) => p.keys.some((k) => !KEY.test(k)),
        message: (p) => `keys (${JSON.stringify(p.keys)}) may hold only letters, digits, '-', '_' and '.'`,
      },
      {
        when: () => !Number.isInteger(refresh) || refresh < 0,
        message: () => `refreshInterval (${refresh} s) must be a whole number of seconds, 0 or more`,
      },
    ]);
    super(scope, id);
    const chart = EnvironmentChart.of(this);
    this.name = props.name;
    this.keys = [...props.keys].sort();
    const identity = { name: props.name, component: props.component };
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: EXTERNAL_SECRET_API_VERSION,
      kind: 'ExternalSecret',
      metadata: chart.metadataFor(identity),
      spec: {
        refreshInterval: `${refresh}s`,
        secretStoreRef: { kind: props.store.kind, name: props.store.name },
        target: {
          name: props.name,
          creationPolicy: 'Owner',
          template: { type: 'Opaque', metadata: { labels: chart.labelsFor(identity) } },
        },
        data: this.keys.map((key) => ({ secretKey: key, remoteRef: { key: props.remoteKey, property: key } })),
      },
    });
  }
}
