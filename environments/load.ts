// Loading an environment: pick its file, apply `--set` overrides, validate, and say exactly what is wrong.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { dev } from './dev';
import { prod } from './prod';
import { EnvironmentConfig, EnvironmentInput, environmentSchema } from './schema';
import { ENVIRONMENT_NAMES, EnvironmentName } from '../core/environment-names';
import { staging } from './staging';

const INPUTS: Record<EnvironmentName, EnvironmentInput> = { dev, staging, prod };

/** Invalid environment configuration; `problems` has one line per field. */
export class ConfigError extends Error {
  constructor(
    readonly environment: string,
    readonly problems: readonly string[],
  ) {
    super(`environment '${environment}' is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function isEnvironmentName(name: string): name is EnvironmentName {
  return (ENVIRONMENT_NAMES as readonly string[]).includes(name);
}

export function assertEnvironmentName(name: string): EnvironmentName {
  if (!isEnvironmentName(name)) {
    throw new ConfigError(name, [`environment name (${JSON.stringify(name)}) must be one of: ${ENVIRONMENT_NAMES.join(', ')}`]);
  }
  return name;
}

/**
 * Applies `path.to.field=value` overrides to a copy of `input`. Values are read as YAML scalars or
 * flow collections, so `api.replicas=3` sets a number and `ingress.host=x.example.com` a string.
 */
export function applyOverrides(environment: string, input: unknown, overrides: readonly string[]): unknown {
  const copy = structuredClone(input) as Record<string, unknown>;
  const problems: string[] = [];
  for (const override of overrides) {
    const eq = override.indexOf('=');
    const path = eq > 0 ? override.slice(0, eq).split('.') : [];
    if (eq <= 0 || path.some((p) => p === '')) {
      problems.push(`--set ${JSON.stringify(override)} must have the form path.to.field=value`);
      continue;
    }
    let node: Record<string, unknown> = copy;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (next === undefined) node[key] = {};
      else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        problems.push(`--set ${path.join('.')}: '${key}' is not an object`);
        node = {};
        break;
      }
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = parseValue(override.slice(eq + 1));
  }
  if (problems.length > 0) throw new ConfigError(environment, problems);
  return copy;
}

/** A `--set` value as YAML (numbers, booleans, `[]`), or the text itself when it is not valid YAML. */
function parseValue(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/** One readable line per zod issue: field path, what was received, what is allowed. */
export function formatIssues(input: unknown, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      const where = issue.path.length > 0 ? `${field}.` : '';
      const keys = issue.keys.map((k) => `${where}${k}`).join(', ');
      const parent = valueAt(input, issue.path) as Record<string, unknown>;
      const known = Object.keys(parent ?? {}).filter((k) => !issue.keys.includes(k));
      return `${keys}: unknown key; known keys here: ${known.join(', ')}`;
    }
    return `${field}: ${issue.message} (received ${describe(valueAt(input, issue.path))})`;
  });
}

/** Validates raw environment input; throws a ConfigError listing every problem. */
export function validateEnvironment(environment: string, input: unknown): EnvironmentConfig {
  const result = environmentSchema.safeParse(input);
  if (!result.success) throw new ConfigError(environment, formatIssues(input, result.error));
  if (result.data.name !== environment) {
    throw new ConfigError(environment, [`name (${JSON.stringify(result.data.name)}) must equal the environment it configures ('${environment}')`]);
  }
  return result.data;
}

/** The validated configuration of `name`, with optional `--set` overrides. */
export function loadEnvironment(name: string, overrides: readonly string[] = []): EnvironmentConfig {
  const env = assertEnvironmentName(name);
  return validateEnvironment(env, applyOverrides(env, INPUTS[env], overrides));
}
