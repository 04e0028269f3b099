import { Construct } from 'constructs';
import { EnvironmentChart } from './environment-chart';
import { validateProps } from './private/validate';
import type { EnvValue } from './types';
import { checkDnsLabel } from '../core/value-rules';

/** Properties of a `SecretReference`. */
export interface SecretReferenceProps {
  /** Name of the Secret in the namespace. */
  readonly name: string;
  /** The keys workloads may read from it. */
  readonly keys: readonly string[];
  /** Who creates it and what it holds, for the deploy step and for reviewers. */
  readonly description: string;
  /**
   * Who provides it: the deploy step (which must create it), another controller, or an object
   * in the manifests (a SealedSecret or ExternalSecret of the same name), which check resolves
   * itself: nothing is then declared as provided.
   * @default 'deploy'
   */
  readonly providedBy?: 'deploy' | 'controller' | 'manifests';
  /**
   * Fingerprint of the Secret's content as the manifests deliver it (a SealedSecret's
   * ciphertexts); pods that read the Secret carry it in `tasknote.dev/secret-hash`.
   * @default - none
   */
  readonly version?: string;
}

const KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * A Secret the stack needs but never writes. Synth emits no Secret object and no value:
 * the Secret is declared on the Namespace as provided and the deploy step creates it, or a
 * SealedSecret / ExternalSecret in the manifests provides it.
 */
export class SecretReference extends Construct {
  readonly name: string;
  readonly keys: readonly string[];
  readonly description: string;
  readonly providedBy: 'deploy' | 'controller' | 'manifests';
  readonly version: string | undefined;

  constructor(scope: Construct, id: string, props: SecretReferenceProps) {
    validateProps(`SecretReference '${id}'`, props, [
      {
        when: (p) => p.providedBy !== undefined && !['deploy', 'controller', 'manifests'].includes(p.providedBy),
        message: (p) => `providedBy (${JSON.stringify(p.providedBy)}) must be one of: deploy, controller, manifests`,
      },
      { when: (p) => checkDnsLabel(p.name) !== undefined, message: (p) => `name (${JSON.stringify(p.name)}) ${checkDnsLabel(p.name)}` },
      { when: (p) => p.keys.length === 0, message: () => 'keys ([]) must list at least one key' },
      {
        when: (p) => p.keys.some((k) => !KEY.test(k)),
        message: (p) => `keys (${JSON.stringify(p.keys)}) may hold only letters, digits, '-', '_' and '.'`,
      },
    ]);
    super(scope, id);
    this.name = props.name;
    this.keys = [...props.keys];
    this.description = props.description;
    this.providedBy = props.providedBy ?? 'deploy';
    this.version = props.version;
    if (this.providedBy === 'manifests') return;
    EnvironmentChart.of(this).declareProvided({
      kind: 'Secret',
      name: this.name,
      keys: this.keys,
      description: this.description,
      providedBy: this.providedBy === 'controller' ? 'controller' : 'deploy',
    });
  }

  /** An env value read from `key`; fails when the key was not declared. */
  env(key: string): EnvValue {
    if (!this.keys.includes(key)) {
      throw new Error(`SecretReference '${this.name}' has no key ${JSON.stringify(key)}; declared keys: ${this.keys.join(', ')}`);
    }
    return this.version === undefined ? { secretName: this.name, key } : { secretName: this.name, key, version: this.version };
  }
}
