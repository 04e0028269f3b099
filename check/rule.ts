// The rule contract: an ID, a severity, and a function from the checked set to violations.
import type { CheckContext, Workload } from './model';
import type { RuleGroup, Severity, SourcedObject, Violation } from './types';

/** A violation attached to the object it concerns. */
export interface Located extends Violation {
  readonly item: SourcedObject;
}

export interface Rule {
  /** Kebab-case ID, used in findings and in waiver annotations. */
  readonly id: string;
  readonly severity: Severity;
  /** One line for `--list-rules` and docs/check.md. */
  readonly description: string;
  /** Where the requirement comes from (the sources docs/policy.md names). */
  readonly source: string;
  /** The optional group the rule belongs to: it runs only under a profile that turns it on. */
  readonly group?: RuleGroup;
  /** Runs once over the whole set; the engine passes only objects that passed schema checks. */
  readonly check: (ctx: CheckContext) => Iterable<Located>;
}

/** Builds a rule that inspects every workload on its own. */
export function workloadRule(spec: Omit<Rule, 'check'>, check: (w: Workload, ctx: CheckContext) => Iterable<Violation>): Rule {
  return {
    ...spec,
    *check(ctx) {
      for (const w of ctx.workloads) for (const v of check(w, ctx)) yield { ...v, item: w.item };
    },
  };
}

/** Builds a rule that inspects every object of the given kinds on its own. */
export function kindRule(
  spec: Omit<Rule, 'check'>,
  kinds: readonly string[],
  check: (item: SourcedObject, ctx: CheckContext) => Iterable<Violation>,
): Rule {
  return {
    ...spec,
    *check(ctx) {
      for (const kind of kinds) for (const item of ctx.ofKind(kind)) for (const v of check(item, ctx)) yield { ...v, item };
    },
  };
}
