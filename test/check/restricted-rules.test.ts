import { ALL_RULES } from '../../check/engine';
import { RESTRICTED_RULE_IDS, STRICTER_THAN_RESTRICTED } from '../../check/rules/pod-security-controls';

test('every rule said to model Pod Security restricted is a rule of check, and so is each stricter one', () => {
  const ids = new Set(ALL_RULES.map((r) => r.id));
  expect(RESTRICTED_RULE_IDS.filter((id) => !ids.has(id))).toEqual([]);
  expect(STRICTER_THAN_RESTRICTED.filter((id) => !(RESTRICTED_RULE_IDS as readonly string[]).includes(id))).toEqual([]);
});
