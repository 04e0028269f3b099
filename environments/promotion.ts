// The rules of promotion between environments, beyond the record schema.
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../core/environment-names';
import type { ReleaseRecord } from './release-record';

/** The order builds move in; promotion goes forward along it. */
const PROMOTION_ORDER: readonly EnvironmentName[] = ENVIRONMENT_NAMES;

export interface PromotionCheck {
  readonly from: EnvironmentName;
  readonly to: EnvironmentName;
  readonly source: ReleaseRecord;
  /** The target's current record; absent for a first promotion. */
  readonly target?: ReleaseRecord;
  /** The source was read from git history on purpose: an explicit rollback or re-pin. */
  readonly fromHistory: boolean;
}

/**
 * The rules a promotion must pass beyond the record schema. Returns every violation, each saying how to fix it;
 * an empty list means the promotion may go ahead.
 */
export function promotionProblems(check: PromotionCheck): string[] {
  const { from, to, source, target, fromHistory } = check;
  const problems: string[] = [];
  const fromIndex = PROMOTION_ORDER.indexOf(from);
  const toIndex = PROMOTION_ORDER.indexOf(to);
  if (!fromHistory && fromIndex >= toIndex) {
    problems.push(
      `--from ${from} --to ${to}: promotion goes forward (${PROMOTION_ORDER.join(' → ')}); to roll ${to} back, pass --ref <commit> to promote an earlier record`,
    );
  }
  if (!fromHistory && target && Date.parse(source.time) < Date.parse(target.time)) {
    problems.push(
      `time: ${from}'s record (${source.time}) is older than ${to}'s (${target.time}); promoting it would roll ${to} back. To roll back on purpose, pass --ref <commit>`,
    );
  }
  return problems;
}

/**
 * The record the target gets: the source's images, commit and build time, marked as promoted from `from`
 * (a rollback of prod from its own history reads `promotedFrom: prod`).
 */
export function promotedRecord(source: ReleaseRecord, from: EnvironmentName, to: EnvironmentName): ReleaseRecord {
  return { ...source, environment: to, promotedFrom: from };
}
