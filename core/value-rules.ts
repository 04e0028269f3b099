// Value rules shared by the constructs and the environment schema, so both reject the same input
// with the same words. Each returns `undefined` when the value is fine, else what is wrong.
import { CronExpressionParser } from 'cron-parser';
import { parseImageReference } from './image-reference';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN_PART = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function checkImageRef(ref: string): string | undefined {
  const parsed = parseImageReference(ref);
  if (!parsed) return 'must be an image reference such as registry/name:1.2.3 or registry/name@sha256:<64 hex>';
  if (parsed.tag === 'latest') return "must not use the ':latest' tag: pin a version or a digest";
  if (!parsed.tag && !parsed.digest) return 'must be pinned by a tag or a digest (untagged images are rejected)';
  return undefined;
}

export function isDigestPinned(ref: string): boolean {
  return parseImageReference(ref)?.digest !== undefined;
}

/** DNS-1123 label: object names of Services, Namespaces, and most name parts. */
export function checkDnsLabel(value: string): string | undefined {
  return value.length <= 63 && DNS_LABEL.test(value)
    ? undefined
    : "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";
}

/** A host name as an Ingress rule takes it (no wildcard, no port). */
export function checkHostname(value: string): string | undefined {
  const ok = value.length <= 253 && value.includes('.') && value.split('.').every((p) => p.length <= 63 && DNS_SUBDOMAIN_PART.test(p));
  return ok ? undefined : 'must be a lower-case DNS host name with at least one dot, such as tasknote.example.com';
}

export function checkPort(value: number): string | undefined {
  return Number.isInteger(value) && value >= 1 && value <= 65535 ? undefined : 'must be an integer port from 1 to 65535';
}

/** Standard 5-field cron (minute hour day-of-month month day-of-week), as CronJob takes it. */
export function checkCron(value: string): string | undefined {
  const fields = value.trim().split(/\s+/);
  if (fields.length !== 5 || value.trim().startsWith('@')) {
    return "must be a 5-field cron expression 'minute hour day-of-month month day-of-week', such as '0 6 * * *'";
  }
  try {
    CronExpressionParser.parse(value);
    return undefined;
  } catch (err) {
    return `is not a valid cron expression: ${(err as Error).message}`;
  }
}

/** An IANA time zone name that CronJob's `timeZone` accepts; the lookup is case-sensitive. */
export function checkTimeZone(value: string): string | undefined {
  const problem = "must be an IANA time zone such as 'Europe/Berlin' or 'UTC' (case matters)";
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return problem;
  }
  if (!(value.includes('/') || value === 'UTC')) return problem;
  // ICU matches case-insensitively; the kubelet's tz database does not.
  return value.toLowerCase() === resolved.toLowerCase() && value !== resolved ? problem : undefined;
}

/** One HPA scaling policy, as the API takes it. */
export interface ScalingPolicySpec {
  readonly type: string;
  readonly value: number;
  readonly periodSeconds: number;
}

/** One direction of an HPA `behavior`, as the API takes it. */
export interface ScalingRulesSpec {
  readonly stabilizationWindowSeconds?: number;
  readonly selectPolicy?: string;
  readonly policies?: readonly ScalingPolicySpec[];
}

export const SCALING_POLICY_TYPES = ['Pods', 'Percent'] as const;
export const SELECT_POLICIES = ['Max', 'Min', 'Disabled'] as const;

/**
 * The API server's rules for one direction of an HPA behavior (autoscaling/v2 validation):
 * a stabilization window of 0 to 3600 s, a known select policy, and at least one policy,
 * each with a known type, a value > 0 and a period of 1 to 1800 s.
 * Returns each problem with its path below the rules (`policies.0.value`), or [] when fine.
 */
export function checkScalingRules(rules: ScalingRulesSpec): { path: string; problem: string }[] {
  const problems: { path: string; problem: string }[] = [];
  const s = rules.stabilizationWindowSeconds;
  if (s !== undefined && (!Number.isInteger(s) || s < 0 || s > 3600)) {
    problems.push({ path: 'stabilizationWindowSeconds', problem: `(${s}) must be an integer from 0 to 3600` });
  }
  if (rules.selectPolicy !== undefined && !(SELECT_POLICIES as readonly string[]).includes(rules.selectPolicy)) {
    problems.push({ path: 'selectPolicy', problem: `(${JSON.stringify(rules.selectPolicy)}) must be one of: ${SELECT_POLICIES.join(', ')}` });
  }
  if (rules.policies !== undefined && rules.policies.length === 0) {
    problems.push({ path: 'policies', problem: '([]) must hold at least one policy' });
  }
  (rules.policies ?? []).forEach((p, i) => {
    if (!(SCALING_POLICY_TYPES as readonly string[]).includes(p.type)) {
      problems.push({ path: `policies.${i}.type`, problem: `(${JSON.stringify(p.type)}) must be one of: ${SCALING_POLICY_TYPES.join(', ')}` });
    }
    if (!Number.isInteger(p.value) || p.value < 1) problems.push({ path: `policies.${i}.value`, problem: `(${p.value}) must be an integer >= 1` });
    if (!Number.isInteger(p.periodSeconds) || p.periodSeconds < 1 || p.periodSeconds > 1800) {
      problems.push({ path: `policies.${i}.periodSeconds`, problem: `(${p.periodSeconds}) must be an integer from 1 to 1800` });
    }
  });
  return problems;
}
