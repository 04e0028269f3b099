// Reads configuration from environment variables with zod, naming each bad variable (a copy of the api's env.ts: each image builds alone).
import { z } from 'zod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Variables whose values must never appear in an error message. */
const SECRET_NAMES = new Set(['DATABASE_PASSWORD']);

export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.');
    const value = env[name];
    const shown = value === undefined ? 'it is not set' : SECRET_NAMES.has(name) ? 'value hidden' : `got '${value}'`;
    return `${name}: ${issue.message} (${shown})`;
  });
  throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
}

export const requiredString = z.string({ error: 'is required' }).min(1, { error: 'must not be empty' });

export function integer(min: number, max: number, fallback: number) {
  return z
    .string()
    .default(String(fallback))
    .pipe(
      z.coerce
        .number<string>({ error: 'must be an integer' })
        .int({ error: 'must be an integer' })
        .min(min, { error: `must be >= ${min}` })
        .max(max, { error: `must be <= ${max}` }),
    );
}

export const port = (fallback: number) => integer(1, 65535, fallback);

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    error: 'must be one of fatal|error|warn|info|debug|trace|silent',
  })
  .default('info');

/**
 * `true` when the variables a contract declares and those a parser reads are the same set;
 * otherwise an object type naming the difference, so that assigning `true` fails to compile.
 */
export type ContractMatch<Declared extends string, Read extends PropertyKey> = [Exclude<Declared, Read>, Exclude<Read, Declared>] extends [
  never,
  never,
]
  ? true
  : { declaredButNeverRead: Exclude<Declared, Read>; readButNotDeclared: Exclude<Read, Declared> };
