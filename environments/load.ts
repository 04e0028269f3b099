// Loading an environment: pick its file, apply `--set` overrides, validate, and say exactly what is wrong.
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { requireTypeScript } from './require-typescript';
import { EnvironmentConfig, EnvironmentInput, environmentSchema } from './schema';
import { ENVIRONMENT_NAMES, EnvironmentName } from '../core/environment-names';

const REPO_ROOT = resolve(__dirname, '..');

/**
 * The environment files are loaded from source only when asked for, and never bundled: an
 * environment file that does not compile, imports something missing or throws is then a config
 * error like any other, reported at its own file, line and column, not a crash of the whole
 * command before its error handling is in place, nor a position inside the compiled CLI.
 */
function requireEnvironmentFile(file: string): Record<string, unknown> {
  // Under tsx (the sources) and jest, `.ts` already loads; the compiled CLI registers a hook of its own.
  return requireTypeScript(file) as Record<string, unknown>;
}

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

/** A path as the user sees it: relative to the repository when it is inside it. */
function shown(file: string): string {
  const rel = relative(REPO_ROOT, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** `file:line:column` of the first stack frame in our own code (not node_modules, not node itself). */
function firstOwnFrame(err: unknown): string | undefined {
  const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : '';
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:[A-Za-z]:)?[^\s():]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (!m || !isAbsolute(m[1]) || m[1].includes('/node_modules/') || m[1].startsWith('node:')) continue;
    return `${shown(m[1])}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

/** The syntax error of a TypeScript file, with its position, or undefined when it compiles. */
export function syntaxErrorOf(file: string): string | undefined {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    return `${shown(file)}: cannot be read: ${(err as Error).message}`;
  }
  try {
    // Loaded here, not at the top: only a failed load needs it (esbuild costs about 8 ms to load).
    const { transformSync } = require('esbuild') as typeof import('esbuild');
    transformSync(source, { loader: 'ts', sourcefile: file, format: 'cjs', logLevel: 'silent' });
    return undefined;
  } catch (err) {
    return compileErrorOf(err) ?? `${shown(file)}: does not compile: ${(err as Error).message}`;
  }
}

/** An esbuild failure (the transpiler under tsx, or ours) as `file:line:column: syntax error: …`. */
function compileErrorOf(err: unknown): string | undefined {
  type Message = { text: string; location?: { file: string; line: number; column: number } | null };
  let first = (err as { errors?: Message[] } | null)?.errors?.[0];
  // tsx passes esbuild's failure on as a plain Error whose message has `file:line:column: ERROR: text`.
  const m = err instanceof Error ? /^(.+):(\d+):(\d+): ERROR: (.+)$/m.exec(err.message) : null;
  if (!first && m) first = { text: m[4], location: { file: m[1], line: Number(m[2]), column: Number(m[3]) } };
  if (!first || typeof first.text !== 'string') return undefined;
  const at = first.location
    ? `${shown(resolve(first.location.file))}:${first.location.line}:${first.location.column + 1}`
    : '(unknown file)';
  return `${at}: syntax error: ${first.text}`;
}

/** What went wrong while loading an environment file, as one line with the place it happened. */
export function describeLoadFailure(file: string, err: unknown): string {
  const syntax = syntaxErrorOf(file) ?? compileErrorOf(err);
  if (syntax !== undefined) return syntax;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  const at = firstOwnFrame(err) ?? shown(file);
  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
    return `${at}: failed import: ${message.replace(/^Cannot find module/, 'cannot find module')}`;
  }
  const kind = err instanceof Error ? err.name : 'thrown value';
  return `${at}: ${kind} while loading the environment file: ${message}`;
}

/** The raw (unvalidated) input an environment file exports, or a ConfigError saying where it broke. */
export function loadEnvironmentInput(name: EnvironmentName): EnvironmentInput {
  const file = resolve(__dirname, `${name}.ts`);
  let exports: Record<string, unknown>;
  try {
    exports = requireEnvironmentFile(file);
  } catch (err) {
    throw new ConfigError(name, [describeLoadFailure(file, err)]);
  }
  const input = exports?.[name];
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(name, [`${shown(file)}: must export \`const ${name}: EnvironmentInput = { … }\` (found ${describe(input)})`]);
  }
  return input as EnvironmentInput;
}

// --- the schema as data: which keys exist where ----------------------------------------------

type AnySchema = z.ZodType;
const defOf = (s: AnySchema) => (s as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;

/** The schema with optional/nullable/default/pipe wrappers taken off. */
function unwrap(s: AnySchema): AnySchema {
  for (;;) {
    const def = defOf(s);
    if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default' || def.type === 'readonly')
      s = def.innerType as AnySchema;
    else if (def.type === 'pipe') s = def.in as AnySchema;
    else return s;
  }
}

/** The own fields of an object schema, or undefined when the schema is not an object. */
export function objectFields(s: AnySchema): Readonly<Record<string, AnySchema>> | undefined {
  const inner = unwrap(s);
  return defOf(inner).type === 'object' ? (defOf(inner).shape as Record<string, AnySchema>) : undefined;
}

/** The schema at `path` (object keys and array indices), or undefined when there is none. */
export function schemaAt(path: readonly PropertyKey[], root: AnySchema = environmentSchema): AnySchema | undefined {
  let s: AnySchema | undefined = root;
  for (const key of path) {
    if (s === undefined) return undefined;
    const inner = unwrap(s);
    const def = defOf(inner);
    if (def.type === 'array' && typeof key === 'number') s = def.element as AnySchema;
    else {
      const fields = objectFields(inner);
      s = fields && typeof key === 'string' && Object.hasOwn(fields, key) ? fields[key] : undefined;
    }
  }
  return s;
}

/** The known keys at an object path of `root`, from the schema (never from the input). */
export function knownKeys(path: readonly PropertyKey[], root: AnySchema = environmentSchema): string[] {
  const s = schemaAt(path, root);
  return s ? Object.keys(objectFields(s) ?? {}) : [];
}

// --- --set ----------------------------------------------------------------------------------

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * An environment field set from outside its file: `--set` text (`path.to.field=value`, the value
 * read as YAML), or a field path and its value from a map such as the stack setting
 * `tasknote:overrides`, which `setting` names in messages (`tasknote:overrides.api.replicas`).
 */
export type Override = string | { readonly setting: string; readonly path: string; readonly value: unknown };

/** An override with its path split, and the name messages give it (`--set api.replicas`). */
interface FieldOverride {
  readonly name: string;
  readonly path: readonly string[];
  readonly value: unknown;
}

/** The override as a field path and value, or the problem with its form. */
function fieldOverride(override: Override): FieldOverride | string {
  if (typeof override !== 'string') {
    const path = override.path.split('.');
    const name = `${override.setting}.${override.path}`;
    return path.some((p) => p === '') ? `${name}: must be a field path such as api.replicas` : { name, path, value: override.value };
  }
  const eq = override.indexOf('=');
  const path = eq > 0 ? override.slice(0, eq).split('.') : [];
  if (eq <= 0 || path.some((p) => p === '')) return `--set ${JSON.stringify(override)} must have the form path.to.field=value`;
  return { name: `--set ${path.join('.')}`, path, value: parseValue(override.slice(eq + 1)) };
}

/**
 * Applies overrides to a copy of `input`. The path is data: every segment must be an own field
 * of the schema at that place (inherited names such as `__proto__` or `constructor` are not),
 * and only the copy is written. `--set` values are read as YAML scalars or flow collections, so
 * `api.replicas=3` sets a number and `ingress.host=x.example.com` a string.
 */
export function applyOverrides(environment: string, input: unknown, overrides: readonly Override[]): unknown {
  const copy = structuredClone(input) as Record<string, unknown>;
  const problems: string[] = [];
  for (const override of overrides.map(fieldOverride)) {
    const problem = typeof override === 'string' ? override : setAt(copy, override.path, override.value);
    if (problem !== undefined) problems.push(typeof override === 'string' ? problem : `${override.name}: ${problem}`);
  }
  if (problems.length > 0) throw new ConfigError(environment, problems);
  return copy;
}

/**
 * How messages name a field: after the setting that overrode it or an object above it
 * (`tasknote:overrides.api.replicas`), since the environment file is not where to fix it; else by
 * its path, as for `--set`, whose command line shows the path already.
 */
function fieldNamer(overrides: readonly Override[]): (path: readonly PropertyKey[]) => string {
  const fields = overrides
    .filter((o) => typeof o !== 'string')
    .map(fieldOverride)
    .filter((o): o is FieldOverride => typeof o !== 'string');
  return (path) => {
    const field = path.map(String).join('.') || '(root)';
    const by = fields.filter((o) => o.path.length <= path.length && o.path.every((key, i) => key === String(path[i]))).at(-1);
    return by === undefined ? field : [by.name, ...path.slice(by.path.length).map(String)].join('.');
  };
}

/** Writes `value` at `path` inside `root`, creating objects on the way; a problem, or undefined. */
function setAt(root: Record<string, unknown>, path: readonly string[], value: unknown): string | undefined {
  let node = root;
  for (const [i, key] of path.entries()) {
    const here = path.slice(0, i);
    const fields = objectFields(schemaAt(here) ?? z.never());
    if (!fields) return `'${here.join('.')}' is a value, not an object: set it whole, e.g. ${here.join('.')}=<value>`;
    if (!Object.hasOwn(fields, key)) {
      return `unknown key ${JSON.stringify(key)}; known keys ${here.length > 0 ? `of ${here.join('.')}` : 'at the top level'}: ${Object.keys(fields).join(', ')}`;
    }
    if (i === path.length - 1) {
      Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
      return undefined;
    }
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (next === undefined) {
      const created: Record<string, unknown> = {};
      Object.defineProperty(node, key, { value: created, enumerable: true, writable: true, configurable: true });
      node = created;
    } else if (isPlainObject(next)) {
      node = next;
    } else {
      const at = path.slice(0, i + 1).join('.');
      return `'${at}' is a value (${describe(next)}), not an object: set it whole, e.g. ${at}=<value>`;
    }
  }
  return undefined;
}

/** A `--set` value as YAML (numbers, booleans, `[]`), or the text itself when it is not valid YAML. */
function parseValue(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}

// --- messages -------------------------------------------------------------------------------

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/**
 * One readable line per zod issue: field path, what was received, what is allowed. Known keys
 * come from `schema` (the one that was parsed), never from the keys the input happens to have.
 */
export function formatIssues(
  input: unknown,
  error: z.ZodError,
  schema: AnySchema = environmentSchema,
  nameOf: (path: readonly PropertyKey[]) => string = (path) => path.map(String).join('.') || '(root)',
): string[] {
  return error.issues.map((issue) => {
    const field = nameOf(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => nameOf([...issue.path, k])).join(', ');
      return `${keys}: unknown key; known keys here: ${knownKeys(issue.path, schema).join(', ')}`;
    }
    return `${field}: ${issue.message} (received ${describe(valueAt(input, issue.path))})`;
  });
}

/**
 * Validates raw environment input; throws a ConfigError listing every problem. A problem at a
 * field that a setting such as `tasknote:overrides` set is named after the setting.
 */
export function validateEnvironment(environment: string, input: unknown, overrides: readonly Override[] = []): EnvironmentConfig {
  // Without zod's compiled fast path: it compiles a parser (`new Function`) per object schema on
  // first use, which costs more than the three parses a synth makes (about 9 ms of 13).
  const result = environmentSchema.safeParse(input, { jitless: true });
  if (!result.success) throw new ConfigError(environment, formatIssues(input, result.error, environmentSchema, fieldNamer(overrides)));
  if (result.data.name !== environment) {
    throw new ConfigError(environment, [
      `name (${JSON.stringify(result.data.name)}) must equal the environment it configures ('${environment}')`,
    ]);
  }
  return result.data;
}

/** The validated configuration of `name`, with optional overrides (`--set`, `tasknote:overrides`). */
export function loadEnvironment(name: string, overrides: readonly Override[] = []): EnvironmentConfig {
  const env = assertEnvironmentName(name);
  return validateEnvironment(env, applyOverrides(env, loadEnvironmentInput(env), overrides), overrides);
}
