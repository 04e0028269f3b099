import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { generateValue, type SecretSpec } from '../secret-values';

/** Properties of `StackSecrets`. */
export interface StackSecretsArgs {
  readonly namespace: string;
  readonly specs: readonly SecretSpec[];
  /** The secret stack config value of a key, or undefined when it is not set. */
  readonly configured: (configKey: string) => pulumi.Output<string> | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly provider: k8s.Provider;
}

/**
 * The Secrets the manifests reference but never write. Each value comes from secret stack
 * config when set. Otherwise it is generated once and kept in the (encrypted) state by a
 * `pulumi.Stash`, the engine's built-in resource for a value that must not change between
 * runs: every run offers a fresh candidate, the Stash keeps the first one it saw.
 */
export class StackSecrets extends pulumi.ComponentResource {
  public readonly secrets: k8s.core.v1.Secret[] = [];
  /** Generated values, by config key; a configured value has none. */
  public readonly generated: Record<string, pulumi.Stash> = {};

  constructor(name: string, args: StackSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('tasknote:deploy:StackSecrets', name, {}, opts);
    for (const spec of args.specs) {
      const stringData: Record<string, pulumi.Output<string>> = {};
      for (const value of spec.values) {
        const fromConfig = args.configured(value.configKey);
        if (fromConfig !== undefined) {
          stringData[value.key] = pulumi.secret(fromConfig);
        } else if (value.generate !== undefined) {
          const stash = new pulumi.Stash(
            value.configKey,
            { input: pulumi.secret(generateValue(value.generate)) },
            // The candidate differs on every run; only the kept value counts.
            { parent: this, ignoreChanges: ['input'], additionalSecretOutputs: ['input', 'output'] },
          );
          this.generated[value.configKey] = stash;
          stringData[value.key] = pulumi.secret(stash.output as pulumi.Output<string>);
        } else {
          throw new Error(`StackSecrets: tasknote:${value.configKey} must be configured`);
        }
      }
      this.secrets.push(
        new k8s.core.v1.Secret(
          `${args.namespace}/${spec.name}`,
          {
            metadata: {
              name: spec.name,
              namespace: args.namespace,
              labels: { ...args.labels },
              annotations: { 'tasknote.dev/description': spec.description },
            },
            type: 'Opaque',
            stringData: pulumi.secret(stringData),
          },
          { parent: this, provider: args.provider, additionalSecretOutputs: ['data', 'stringData'] },
        ),
      );
    }
    this.registerOutputs({ names: this.secrets.map((s) => s.metadata.name) });
  }
}
