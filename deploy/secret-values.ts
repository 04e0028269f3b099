// Where each value of the Secrets the stack references comes from: stack config, or generated.
import { randomInt } from 'node:crypto';
import { UserError } from '../core/user-error';

/** A Secret the manifests reference but never write (app/stack.ts `requiredSecrets`). */
export interface RequiredSecret {
  /**
   * The stack's logical id of the Secret (`database`, `smtp`). Config keys and generated values
   * are keyed by it, so renaming the Secret object keeps its values.
   */
  readonly id: string;
  readonly name: string;
  readonly keys: readonly string[];
  readonly description: string;
}

/** How the deploy makes a value nobody configured (`generateValue`). */
export interface GeneratedValue {
  readonly length: number;
  readonly upper: boolean;
  /** Off: the values end up in connection strings and SMTP AUTH, where symbols need escaping. */
  readonly special: false;
}

export interface SecretValueSpec {
  readonly secretName: string;
  readonly key: string;
  /** Stack config key (in the `tasknote` namespace) that overrides generation. */
  readonly configKey: string;
  /** How to generate the value; undefined when it must be configured. */
  readonly generate?: GeneratedValue;
}

export interface SecretSpec {
  readonly name: string;
  readonly description: string;
  readonly values: readonly SecretValueSpec[];
}

/** Logical id `smtp` + key `username` → `smtpUsername`. */
export function configKeyFor(secretId: string, key: string): string {
  const words = [...secretId.split(/[-_.]/), ...key.split(/[-_.]/)].filter((w) => w !== '');
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())).join('');
}

/**
 * The plan for every Secret value. `mustBeConfigured` lists config keys that may not be
 * generated (stack config `tasknote:configuredSecrets`): a random SMTP login is useless
 * against a real relay, so staging and prod list theirs.
 */
export function planSecrets(required: readonly RequiredSecret[], mustBeConfigured: readonly string[] = []): SecretSpec[] {
  const specs = required.map((secret) => ({
    name: secret.name,
    description: secret.description,
    values: secret.keys.map((key): SecretValueSpec => {
      const configKey = configKeyFor(secret.id, key);
      return {
        secretName: secret.name,
        key,
        configKey,
        generate: mustBeConfigured.includes(configKey)
          ? undefined
          : { length: key === 'username' ? 16 : 32, upper: key !== 'username', special: false },
      };
    }),
  }));
  const known = specs.flatMap((s) => s.values.map((v) => v.configKey));
  const strangers = mustBeConfigured.filter((k) => !known.includes(k));
  if (strangers.length > 0) {
    throw new UserError(
      `tasknote:configuredSecrets names ${strangers.map((k) => `'${k}'`).join(', ')}, which no Secret uses; allowed: ${known.join(', ')}`,
    );
  }
  return specs;
}

/** Config keys that must be set but are not, as one message, or undefined. */
export function missingConfiguredSecrets(
  specs: readonly SecretSpec[],
  isSet: (configKey: string) => boolean,
  stack: string,
): string | undefined {
  const missing = specs.flatMap((s) => s.values).filter((v) => v.generate === undefined && !isSet(v.configKey));
  if (missing.length === 0) return undefined;
  const commands = missing.map(
    (v) => `  pulumi config set --secret --stack ${stack} tasknote:${v.configKey} <value>   # ${v.secretName} key '${v.key}'`,
  );
  return `stack '${stack}' needs these secrets set before it can deploy:\n${commands.join('\n')}`;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const UPPER = LOWER.toUpperCase();

/**
 * A fresh random value from the operating system's CSPRNG: letters and digits only, uniformly
 * drawn (no modulo bias), `length` characters.
 */
export function generateValue(spec: GeneratedValue): string {
  const alphabet = LOWER + DIGITS + (spec.upper ? UPPER : '');
  let out = '';
  for (let i = 0; i < spec.length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}
