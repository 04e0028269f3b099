// Secrets: no Secret carries values in the output, and no env or ConfigMap value looks like a
// credential. A value is suspect when a credential-like name holds a real-looking value, when
// it matches a well-known credential format, or when a long value is as random as a key.
import { asArray, asRecord, stringMap } from './model';
import { scopeOf } from '../core/sealing-scope';
import { kindRule, workloadRule, type Rule } from './rule';

const KEYWORD =
  /(pass(word|wd|phrase)?|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|auth|signing[-_]?key|client[-_]?secret|dsn)/i;
/** Names that carry the keyword but hold no credential (paths, flags, settings). */
const BENIGN_NAME =
  /(_|-|^)(file|path|dir|url_?path|enabled|disabled|required|ttl|timeout|expiry|expires|length|min|max|header|issuer|audience|algorithm|method|type|mode|user(name)?|hash_?rounds|rounds|cost|size)$/i;
const KNOWN_FORMATS: [string, RegExp][] = [
  ['a private key', /-----BEGIN ([A-Z ]+ )?PRIVATE KEY-----/],
  ['an AWS access key ID', /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['a GitHub token', /\bgh[pousr]_[A-Za-z0-9]{36,}\b/],
  ['a Slack token', /\bxox[abprs]-[A-Za-z0-9-]{10,}/],
  ['a JSON Web Token', /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/],
  ['a URL with an embedded password', /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@/]{3,}@/i],
  ['a Stripe or generic live key', /\b(sk|rk)_live_[A-Za-z0-9]{16,}/],
];
/** Values a credential-named variable may hold: empty, placeholders, references, booleans, numbers. */
const PLACEHOLDER =
  /^(|true|false|yes|no|on|off|none|null|changeme|redacted|\*+|<[^>]*>|\$\([^)]*\)|\$\{[^}]*\}|\d+|[a-z]+:\/\/[^@\s]*|\/[\w./-]*)$/i;
/** An assignment to a credential-named key inside a config file held in a ConfigMap. */
const ASSIGNMENT =
  /(^|[\s{,"'])([A-Za-z0-9_.-]*(password|passwd|secret|token|api[-_]?key|private[-_]?key)[A-Za-z0-9_.-]*)["']?\s*[:=]\s*["']?([^\s"',}#]{8,})/im;

export const MIN_ENTROPY_LENGTH = 24;
export const ENTROPY_BITS = 4.2;

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / s.length) * Math.log2(n / s.length);
  return bits;
}

/** Why a name/value pair looks like a credential, or undefined when it does not. */
export function credentialReason(name: string, value: string): string | undefined {
  for (const [what, re] of KNOWN_FORMATS) if (re.test(value)) return `holds ${what}`;
  const trimmed = value.trim();
  if (KEYWORD.test(name) && !BENIGN_NAME.test(name) && !PLACEHOLDER.test(trimmed) && trimmed.length >= 6) {
    return `is named like a credential (${name}) and holds a literal value`;
  }
  for (const token of trimmed.split(/[\s,;]+/)) {
    if (
      token.length >= MIN_ENTROPY_LENGTH &&
      /[A-Za-z]/.test(token) &&
      /\d/.test(token) &&
      !/^[a-z][a-z0-9+.-]*:\/\//i.test(token) &&
      !token.includes('/') &&
      entropy(token) >= ENTROPY_BITS
    ) {
      return `holds a random-looking string of ${token.length} characters (entropy ${entropy(token).toFixed(1)} bits/char)`;
    }
  }
  const assignment = ASSIGNMENT.exec(value);
  if (assignment && !PLACEHOLDER.test(assignment[4])) return `assigns a literal to ${assignment[2]}`;
  return undefined;
}

const mask = (value: string) => (value.length <= 4 ? '****' : `${value.slice(0, 2)}…(${value.length} chars)`);

export const SECRET_RULES: Rule[] = [
  kindRule(
    {
      id: 'secret-has-data',
      severity: 'error',
      description: 'no Secret in the output carries values (data or stringData)',
      source: 'policy (secrets come from the deploy step)',
      group: 'conventions',
    },
    ['Secret'],
    function* (item) {
      for (const field of ['data', 'stringData']) {
        const keys = Object.keys(asRecord(item.object[field]));
        if (keys.length > 0)
          yield {
            path: [field],
            found: `the Secret carries ${field} for ${keys.join(', ')}`,
            fix: 'remove the values from the manifests; let the deploy step create the Secret and declare it in check.tasknote.dev/provided',
          };
      }
    },
  ),
  {
    id: 'secret-plaintext',
    severity: 'warning',
    description:
      'no Secret in the manifests holds a value that looks like a credential in plaintext (stringData, or data, which is only base64); where a profile turns on `conventions`, secret-has-data refuses every Secret value instead',
    source: 'CK_SECRET_6, CK_K8S_35 (by extension)',
    *check(ctx) {
      if (ctx.profile.groups.includes('conventions')) return;
      for (const item of ctx.ofKind('Secret'))
        for (const field of ['stringData', 'data'])
          for (const [key, raw] of Object.entries(stringMap(item.object[field]))) {
            const reason = credentialReason(key, field === 'data' ? Buffer.from(raw, 'base64').toString('utf8') : raw);
            if (reason)
              yield {
                item,
                path: [field, key],
                found: `key ${key} ${reason}, in plaintext${field === 'data' ? ' (base64 is no encryption)' : ''}`,
                fix: 'commit it encrypted (a SealedSecret), reference a store (an ExternalSecret), or create the Secret at deploy time',
              };
          }
    },
  },
  workloadRule(
    {
      id: 'secret-in-env',
      severity: 'error',
      description: 'no env value looks like a credential (use secretKeyRef or a mounted file)',
      source: 'PO, KL, CK_K8S_35',
    },
    function* (w) {
      for (const c of w.containers) {
        for (const [i, e] of asArray(c.container.env).entries()) {
          if (typeof e.value !== 'string') continue;
          const reason = credentialReason(String(e.name), e.value);
          if (reason)
            yield {
              path: [...c.path, 'env', i, 'value'],
              found: `container ${c.name}: env ${String(e.name)} ${reason} (${mask(e.value)})`,
              fix: 'move the value into a Secret and use valueFrom.secretKeyRef, or mount it as a file',
            };
        }
      }
    },
  ),
  kindRule(
    {
      id: 'secret-in-configmap',
      severity: 'error',
      description: 'no ConfigMap value looks like a credential',
      source: 'CK_K8S_35 (by extension)',
    },
    ['ConfigMap'],
    function* (item) {
      for (const [key, value] of Object.entries(stringMap(item.object.data))) {
        const reason = credentialReason(key, value);
        if (reason)
          yield {
            path: ['data', key],
            found: `key ${key} ${reason} (${mask(value)})`,
            fix: 'move the credential into a Secret created by the deploy step',
          };
      }
    },
  ),
  kindRule(
    {
      id: 'sealed-secret-scope',
      severity: 'error',
      description: 'a SealedSecret is sealed for its own namespace and name (the controller refuses any other)',
      source: 'sealed-secrets controller (EncryptionLabel: strict namespace/name, namespace-wide namespace)',
    },
    ['SealedSecret'],
    function* (item) {
      const meta = asRecord(item.object.metadata);
      const template = asRecord(asRecord(asRecord(item.object.spec).template).metadata);
      const scope = scopeOf(stringMap(meta.annotations));
      const templateScope = scopeOf(stringMap(template.annotations));
      if (Object.keys(stringMap(template.annotations)).length > 0 && templateScope !== scope) {
        yield {
          path: ['spec', 'template', 'metadata', 'annotations'],
          found: `the template says it was sealed ${templateScope}, the SealedSecret's annotations say ${scope}; the controller decrypts with the latter`,
          fix: 'seal the values again in one scope (npm run seal) and keep the annotations of both the same',
        };
      }
      for (const field of ['namespace', 'name'] as const) {
        if (field === 'name' && scope !== 'strict') continue;
        if (field === 'namespace' && scope === 'cluster-wide') continue;
        const sealedFor = template[field];
        if (typeof sealedFor === 'string' && sealedFor !== meta[field]) {
          yield {
            path: ['spec', 'template', 'metadata', field],
            found: `sealed for ${field} ${JSON.stringify(sealedFor)}, applied as ${JSON.stringify(meta[field])} (${scope} scope): the controller cannot decrypt it`,
            fix: `seal the values again for ${field} ${JSON.stringify(meta[field])} (npm run seal -- --env <env>)`,
          };
        }
      }
    },
  ),
];
