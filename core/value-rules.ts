// Value rules shared by the constructs and the environment schema, so both reject the same input
// with the same words. Each returns `undefined` when the value is fine, else what is wrong.
import { parseImageReference, REGISTRY_PREFIX, IMAGE_NAME_MAX, registryPortOk } from './image-reference';
import { standardCronError } from './private/cron';
import { TIME_ZONES } from './private/time-zones';
import { remembered } from './remembered';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN_PART = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

// The API server's name and label syntax (apimachinery's util/validation), written once for the
// constructs, the environment schema and check.
/** DNS-1123 label: at most 63 lower-case alphanumerics and '-', starting and ending with an alphanumeric. */
export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** DNS-1123 subdomain: dot-separated DNS-1123 labels (no per-part limit), at most 253 characters. */
export const DNS_1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A label value: empty, or at most 63 alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric. */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
/** The name part of a qualified name (label and annotation keys). */
export const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;

/** Why `value` is no DNS-1123 subdomain (apimachinery IsDNS1123Subdomain), or undefined. */
export function dnsSubdomainProblem(value: string): string | undefined {
  return DNS_1123_SUBDOMAIN.test(value)
    ? undefined
    : "is not a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters";
}

/** Why `value` is neither a DNS-1123 subdomain nor `*.` and one (IsWildcardDNS1123Subdomain), or undefined. */
export function hostProblem(value: string): string | undefined {
  const name = value.startsWith('*.') ? value.slice(2) : value;
  return (value.startsWith('*.') ? value.length <= 253 : true) && DNS_1123_SUBDOMAIN.test(name)
    ? undefined
    : "is not a lower-case DNS-1123 subdomain (a wildcard only as a leading '*.')";
}

/**
 * Why `key` is no qualified name (apimachinery IsQualifiedName: label keys, and annotation keys
 * after lower-casing), or undefined: an optional DNS subdomain prefix and '/', then a name part.
 */
export const qualifiedNameProblem = remembered((key): string | undefined => {
  const parts = key.split('/');
  if (parts.length > 2) return 'holds more than one /';
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && !DNS_1123_SUBDOMAIN.test(prefix)) return 'has a prefix that is not a DNS subdomain';
  if (name.length > 63 || !QUALIFIED_NAME_PART.test(name))
    return "has a name that is not at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric";
  return undefined;
});

/** Why `value` is no label value, or undefined. */
export const labelValueProblem = remembered((value): string | undefined =>
  value.length > 63 || !LABEL_VALUE.test(value)
    ? "is not at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric"
    : undefined,
);

/** Why `name` is no valid path segment (the only rule some kinds' names follow), or undefined. */
export function pathSegmentNameProblem(name: string): string | undefined {
  if (name === '.' || name === '..') return 'may not be . or ..';
  if (name.includes('/') || name.includes('%')) return "may not hold '/' or '%'";
  return undefined;
}

/** Pod Security admission's levels, the values of its `pod-security.kubernetes.io/<mode>` labels. */
export const POD_SECURITY_LEVELS = ['privileged', 'baseline', 'restricted'] as const;
const POD_SECURITY_LABEL = /^pod-security\.kubernetes\.io\/(enforce|audit|warn)(-version)?$/;

/**
 * Why a Namespace label is no Pod Security admission label value (the admission plugin refuses the
 * Namespace), or undefined: a level for `pod-security.kubernetes.io/<mode>`, `latest` or `v1.<minor>`
 * for `<mode>-version`; other keys are not its business.
 */
export function podSecurityLabelProblem(key: string, value: string): string | undefined {
  const m = POD_SECURITY_LABEL.exec(key);
  if (!m) return undefined;
  if (m[2]) return value === 'latest' || /^v1\.(0|[1-9][0-9]*)$/.test(value) ? undefined : "is not 'latest' or a version such as v1.34";
  return (POD_SECURITY_LEVELS as readonly string[]).includes(value) ? undefined : `is not one of ${POD_SECURITY_LEVELS.join(', ')}`;
}

/** Why `value` is no registry prefix (`host[:port][/path]`) for images, or undefined. */
export function checkRegistry(value: string): string | undefined {
  return REGISTRY_PREFIX.test(value) && registryPortOk(`${value}/x`) && value.length <= IMAGE_NAME_MAX - 32
    ? undefined
    : "must be a registry host[:port][/path] in lower case, such as localhost:5001 or 123456789012.dkr.ecr.eu-west-1.amazonaws.com/tasknote (port 1-65535; path parts joined by '.', '_', '__' or '-')";
}

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

/**
 * Go's `netutils.ParseIPSloppy` for IPv4: four dot-separated decimal parts of 0-255, leading
 * zeros allowed. The API server refuses such a value as an Ingress host ("must be a DNS name,
 * not an IP address").
 */
export function isSloppyIPv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255);
}

/** A host name as an Ingress rule takes it (no wildcard, no port, no IP address). */
export function checkHostname(value: string): string | undefined {
  const ok =
    value.length <= 253 &&
    value.includes('.') &&
    !isSloppyIPv4(value) &&
    value.split('.').every((p) => p.length <= 63 && DNS_SUBDOMAIN_PART.test(p));
  return ok
    ? undefined
    : 'must be a lower-case DNS host name with at least one dot, such as tasknote.example.com (not an IP address, URL or wildcard)';
}

export function checkPort(value: number): string | undefined {
  return Number.isInteger(value) && value >= 1 && value <= 65535 ? undefined : 'must be an integer port from 1 to 65535';
}

/**
 * A CronJob schedule exactly as the API server's parser (robfig/cron's standard parser) takes it:
 * five fields (minute hour day-of-month month day-of-week) or one of the descriptors such as
 * `@daily`. Refused on purpose although the API server takes it: `@every <duration>`, an interval
 * counted from whenever the controller last ran, which `timeZone` has no say over.
 */
export function checkCron(value: string): string | undefined {
  const problem = standardCronError(value);
  return problem === undefined
    ? undefined
    : `must be a cron schedule as Kubernetes takes it: 'minute hour day-of-month month day-of-week' (such as '0 6 * * *'; ranges a-b, steps */n, lists a,b, names jan-dec and sun-sat, day of week 0-6) or @yearly, @monthly, @weekly, @daily, @hourly; here: ${problem}`;
}

/**
 * A time zone that CronJob's `timeZone` takes: a name of the tz database that Kubernetes embeds,
 * spelled exactly (aliases such as 'US/Pacific' included, in their own case; 'Local' is not a
 * zone), and that Node's Intl knows too, since the summary job reads the same value.
 */
export function checkTimeZone(value: string): string | undefined {
  const problem = "must be a tz database name such as 'Europe/Berlin' or 'UTC', spelled exactly (case matters)";
  if (!TIME_ZONES.has(value)) return problem;
  return nodeKnowsTimeZone(value) ? undefined : `${problem}; this Node.js does not know '${value}'`;
}

/**
 * Whether this Node.js (its ICU time zone data) knows `zone`. Remembered: building an
 * Intl.DateTimeFormat costs 0.05-0.5 ms, and synth and check ask about the same few zones for every
 * CronJob of every environment. The first one built costs about 11 ms (ICU loads its locale
 * data), so the zones Intl lists (its canonical ones) and UTC, which ECMA-402 requires every
 * implementation to know but V8 leaves out of that list, are answered without one; only aliases
 * such as 'US/Pacific' need a formatter.
 */
export const nodeKnowsTimeZone = remembered((zone) => {
  if (zone === 'UTC' || listedTimeZones().has(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
});

let listed: ReadonlySet<string> | undefined;
const listedTimeZones = (): ReadonlySet<string> => (listed ??= new Set(Intl.supportedValuesOf('timeZone')));

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
    problems.push({
      path: 'selectPolicy',
      problem: `(${JSON.stringify(rules.selectPolicy)}) must be one of: ${SELECT_POLICIES.join(', ')}`,
    });
  }
  if (rules.policies !== undefined && rules.policies.length === 0) {
    problems.push({ path: 'policies', problem: '([]) must hold at least one policy' });
  }
  (rules.policies ?? []).forEach((p, i) => {
    if (!(SCALING_POLICY_TYPES as readonly string[]).includes(p.type)) {
      problems.push({
        path: `policies.${i}.type`,
        problem: `(${JSON.stringify(p.type)}) must be one of: ${SCALING_POLICY_TYPES.join(', ')}`,
      });
    }
    if (!Number.isInteger(p.value) || p.value < 1)
      problems.push({ path: `policies.${i}.value`, problem: `(${p.value}) must be an integer >= 1` });
    if (!Number.isInteger(p.periodSeconds) || p.periodSeconds < 1 || p.periodSeconds > 1800) {
      problems.push({ path: `policies.${i}.periodSeconds`, problem: `(${p.periodSeconds}) must be an integer from 1 to 1800` });
    }
  });
  return problems;
}
