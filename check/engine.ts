// Runs the schema checks, then the policy rules, then applies waivers, for one set of objects.
import { loadValidators } from './k8s-modules';
import { CheckContext, describeRef, refOf } from './model';
import { POLICY_RULES } from './rules';
import { checkSchema, customResourcesOf, SCHEMA_RULES } from './schema';
import type { LoadProblem } from './load';
import {
  GENERIC_PROFILE,
  type CheckOptions,
  type Finding,
  type FieldPath,
  type RuleGroup,
  type Severity,
  type SourcedObject,
  type TargetReport,
  type Waiver,
} from './types';

export const WAIVER_PREFIX = 'waive.check.tasknote.dev/';

const WAIVER_RULES: readonly RuleInfo[] = [
  { id: 'waiver-reason', severity: 'error', description: 'every waiver annotation gives a reason', source: 'docs/policy.md' },
  { id: 'waiver-unknown-rule', severity: 'error', description: 'every waiver names an existing rule', source: 'check' },
  { id: 'waiver-unused', severity: 'warning', description: 'every waiver silences a finding (stale waivers are removed)', source: 'check' },
];

export interface RuleInfo {
  readonly id: string;
  readonly severity: Severity;
  readonly description: string;
  readonly source: string;
  readonly group?: RuleGroup;
}

/** Every rule the check knows, for listing, documentation and waiver validation. */
export const ALL_RULES: readonly RuleInfo[] = [...SCHEMA_RULES, ...POLICY_RULES, ...WAIVER_RULES];
const RULE_BY_ID = new Map(ALL_RULES.map((r) => [r.id, r]));
/** Rules a waiver may not silence: they guard the waivers and the parsing themselves. */
const UNWAIVABLE = new Set(['yaml-syntax', 'waiver-reason', 'waiver-unknown-rule']);

/** Formats a field path as `spec.containers[0].image`. */
export function formatPath(path: FieldPath): string {
  return path.reduce<string>(
    (out, seg) =>
      typeof seg === 'number'
        ? `${out}[${seg}]`
        : /^[A-Za-z_][\w-]*$/.test(seg)
          ? out
            ? `${out}.${seg}`
            : seg
          : `${out}[${JSON.stringify(seg)}]`,
    '',
  );
}

export interface RunOptions extends CheckOptions {
  readonly loadProblems?: readonly LoadProblem[];
}

export function runCheck(items: readonly SourcedObject[], options: RunOptions = {}): TargetReport {
  const profile = options.profile ?? GENERIC_PROFILE;
  const provided = options.provided ?? [];
  const raw: RawFinding[] = [];
  // The line is found once the waivers are applied, for the findings reported: finding it can mean
  // parsing the file (a file from the parse cache is parsed only then).
  const make = (item: SourcedObject, ruleId: string, path: FieldPath, found: string, fix: string): RawFinding => ({
    ruleId,
    severity: RULE_BY_ID.get(ruleId)?.severity ?? 'error',
    object: refOf(item.object),
    source: item.source,
    line: undefined,
    path: formatPath(path),
    found,
    fix,
    item,
    at: path,
  });

  raw.push(...loadProblemFindings(options.loadProblems ?? []));
  const invalid = schemaPass(items, provided, raw, make);

  const ctx = new CheckContext(items, profile, provided, (item) => !invalid.has(item));
  const active = POLICY_RULES.filter((r) => !r.group || profile.groups.includes(r.group));
  for (const rule of active) {
    for (const v of rule.check(ctx)) raw.push(make(v.item, rule.id, v.path, v.found, v.fix));
  }

  const activeIds = new Set([...SCHEMA_RULES, ...active].map((r) => r.id));
  const { findings, waivers } = applyWaivers(items, raw, make, (item, ruleId) => activeIds.has(ruleId) && !invalid.has(item));
  const order = new Map(items.map((item, i) => [item, i]));
  findings.sort((a, b) => (order.get(a.item!) ?? -1) - (order.get(b.item!) ?? -1));
  return {
    name: options.name ?? profile.name,
    profile: profile.name,
    ...(profile.owner ? { profileOwner: profile.owner } : {}),
    ruleGroups: RULE_GROUPS_OF(profile.groups),
    objects: items.length,
    rulesRun: SCHEMA_RULES.length + active.length + WAIVER_RULES.length,
    findings: findings.map(({ item, at, ...f }) => (item && at ? { ...f, line: item.locate?.(at) } : f)),
    waivers,
  };
}

/** A finding before waivers: with the object it concerns and its path, whose line is not looked up yet. */
type RawFinding = Finding & { item?: SourcedObject; at?: FieldPath };
type MakeFinding = (item: SourcedObject, ruleId: string, path: FieldPath, found: string, fix: string) => RawFinding;

/** Files that did not parse, as `yaml-syntax` findings. */
function loadProblemFindings(problems: NonNullable<RunOptions['loadProblems']>): Finding[] {
  return problems.map((p) => ({
    ruleId: 'yaml-syntax',
    severity: 'error' as const,
    object: { apiVersion: '?', kind: '?', name: '?' },
    source: p.source,
    line: p.line,
    path: '',
    found: p.found,
    fix: p.fix,
  }));
}

/**
 * The schema pass (schemas, unknown fields, names, labels, duplicates): pushes its findings and
 * returns the objects with schema errors, which the policy rules then leave alone.
 */
function schemaPass(
  items: readonly SourcedObject[],
  provided: readonly string[],
  raw: RawFinding[],
  make: MakeFinding,
): Set<SourcedObject> {
  const custom = customResourcesOf(
    items.map((i) => i.object),
    provided,
  );
  loadValidators(
    items.map((i) => i.object).filter((o) => typeof o.apiVersion === 'string' && typeof o.kind === 'string') as {
      apiVersion: string;
      kind: string;
    }[],
  );
  const invalid = new Set<SourcedObject>();
  const seen = new Map<string, SourcedObject>();
  for (const item of items) {
    for (const v of checkSchema(item.object, custom)) {
      raw.push(make(item, v.ruleId, v.path, v.found, v.fix));
      if (RULE_BY_ID.get(v.ruleId)?.severity === 'error') invalid.add(item);
    }
    const key = describeRef(refOf(item.object));
    const first = seen.get(key);
    if (first)
      raw.push(
        make(
          item,
          'duplicate-object',
          ['metadata', 'name'],
          `${key} is also defined in ${first.source}${first.locate ? `:${first.locate([]) ?? '?'}` : ''}`,
          'keep one definition: the later one would silently replace the earlier',
        ),
      );
    else seen.set(key, item);
  }
  return invalid;
}

const RULE_GROUPS_OF = (groups: readonly RuleGroup[]) => [...new Set(groups)].sort();

/** Moves waived findings out, and reports waivers that lack a reason, name no rule or silence nothing. */
function applyWaivers(
  items: readonly SourcedObject[],
  raw: RawFinding[],
  make: MakeFinding,
  couldFire: (item: SourcedObject, ruleId: string) => boolean,
) {
  const findings: RawFinding[] = [];
  const waiverFindings: RawFinding[] = [];
  const waivers = new Map<SourcedObject, Map<string, { reason: string; used: number }>>();
  for (const item of items) {
    const annotations = item.object.metadata?.annotations;
    if (typeof annotations !== 'object' || annotations === null) continue;
    for (const [key, value] of Object.entries(annotations as Record<string, unknown>)) {
      if (!key.startsWith(WAIVER_PREFIX)) continue;
      const ruleId = key.slice(WAIVER_PREFIX.length);
      const reason = typeof value === 'string' ? value.trim() : '';
      const path = ['metadata', 'annotations', key];
      if (!RULE_BY_ID.has(ruleId) || UNWAIVABLE.has(ruleId)) {
        waiverFindings.push(
          make(
            item,
            'waiver-unknown-rule',
            path,
            `waiver names ${UNWAIVABLE.has(ruleId) ? 'the unwaivable rule' : 'no rule'} ${JSON.stringify(ruleId)}`,
            `use one of the rule IDs that \`tasknote check --list-rules\` prints${UNWAIVABLE.has(ruleId) ? ', other than yaml-syntax and the waiver rules' : ''}`,
          ),
        );
      } else if (reason === '') {
        waiverFindings.push(
          make(
            item,
            'waiver-reason',
            path,
            `waiver of ${ruleId} has no reason`,
            'write why the rule does not apply to this object, for a reviewer to judge',
          ),
        );
      } else {
        const forItem = waivers.get(item) ?? new Map();
        forItem.set(ruleId, { reason, used: 0 });
        waivers.set(item, forItem);
      }
    }
  }
  for (const f of raw) {
    const waiver = f.item ? waivers.get(f.item)?.get(f.ruleId) : undefined;
    if (waiver) waiver.used++;
    else findings.push(f);
  }
  const listed: Waiver[] = [];
  for (const [item, byRule] of waivers) {
    for (const [ruleId, w] of byRule) {
      listed.push({ ruleId, reason: w.reason, object: refOf(item.object), source: item.source, used: w.used });
      if (w.used === 0 && couldFire(item, ruleId))
        waiverFindings.push(
          make(
            item,
            'waiver-unused',
            ['metadata', 'annotations', WAIVER_PREFIX + ruleId],
            `waiver of ${ruleId} silences nothing`,
            'remove the stale waiver',
          ),
        );
    }
  }
  return { findings: [...findings, ...waiverFindings], waivers: listed };
}
