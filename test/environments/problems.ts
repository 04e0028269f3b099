// The problems of the ConfigError that `fn` throws; fails the test when it throws none.
import { ConfigError } from '../../environments/load';

export function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
