// The rules-table validation (constructs/private/validate.ts): every problem reported at once.
import { PropsValidationError, validateProps, valueRule } from '../../../constructs/private/validate';
import { checkPort } from '../../../constructs';

interface Props {
  readonly port?: number;
  readonly name: string;
}

const rules = [
  valueRule<Props, number>('port', (p) => p.port, checkPort),
  { when: (p: Props) => p.name.length === 0, message: () => 'name ("") must not be empty' },
];

test('passes when no rule fires', () => {
  expect(() => validateProps('Thing', { name: 'x', port: 80 }, rules)).not.toThrow();
});

test('fails with every problem in one PropsValidationError, in rule order', () => {
  let error: unknown;
  try {
    validateProps("Thing 'a'", { name: '', port: 0 }, rules);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(PropsValidationError);
  const e = error as PropsValidationError;
  expect(e.name).toBe('PropsValidationError');
  expect(e.subject).toBe("Thing 'a'");
  expect(e.problems).toEqual(['port (0) must be an integer port from 1 to 65535', 'name ("") must not be empty']);
  expect(e.message).toBe(
    'Thing \'a\' has invalid props:\n  - port (0) must be an integer port from 1 to 65535\n  - name ("") must not be empty',
  );
});

test('a value rule skips an unset optional value', () => {
  expect(() => validateProps('Thing', { name: 'x' }, rules)).not.toThrow();
});

test('a value rule shows the received value as JSON', () => {
  const rule = valueRule<{ v: string }, string>(
    'v',
    (p) => p.v,
    () => 'is wrong',
  );
  expect(rule.message({ v: 'a"b' })).toBe('v ("a\\"b") is wrong');
});
