// The one label-selector matcher that check, graph and the deploy's waves share.
import { mapSelectorMatches, selectorMatches } from '../../core/label-selector';

const labels = { app: 'api', tier: 'web' };

test.each([
  [undefined, true],
  [{}, true],
  [{ matchLabels: { app: 'api' } }, true],
  [{ matchLabels: { app: 'worker' } }, false],
  [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'edge'] }] }, true],
  [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, false],
  [{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, false],
  [{ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, true],
  [{ matchExpressions: [{ key: 'tier', operator: 'Matches' }] }, false],
])('selector %j matches app=api,tier=web: %s', (selector, expected) => {
  expect(selectorMatches(selector, labels)).toBe(expected);
});

test('a Service-style map selects nothing when empty', () => {
  expect(mapSelectorMatches({}, labels)).toBe(false);
  expect(mapSelectorMatches({ app: 'api' }, labels)).toBe(true);
  expect(mapSelectorMatches({ app: 'api', tier: 'db' }, labels)).toBe(false);
});
