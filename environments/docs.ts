// The environment fields as data (path, type, limits, what each accepts), read from the schema
// itself, and docs/environments.md rendered from them: the page cannot drift from the rules.
import { z } from 'zod';
import { environmentSchema } from './schema';

interface JsonSchema {
  readonly type?: string;
  readonly description?: string;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly items?: JsonSchema;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly pattern?: string;
  readonly format?: string;
}

/** One field of environment config that holds a value (not an object of fields). */
export interface EnvironmentField {
  /** Dotted path, as `--set` takes it. */
  readonly path: string;
  readonly required: boolean;
  /** The type and the limits the schema states, such as `integer, 1 to 64000`. */
  readonly type: string;
  /** What the field is for and what it accepts, from the schema's description. */
  readonly accepts: string;
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return `one of ${s.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
  const range =
    s.minimum !== undefined && s.maximum !== undefined
      ? `, ${s.minimum} to ${s.maximum}`
      : s.minimum !== undefined
        ? `, at least ${s.minimum}`
        : s.maximum !== undefined
          ? `, at most ${s.maximum}`
          : '';
  if (s.type === 'array')
    return `list of ${s.items ? typeOf(s.items) : 'values'}${s.minItems !== undefined ? `; at least ${s.minItems}` : ''}`;
  if (s.type === 'string' && s.format === 'email') return 'string, an email address';
  return `${s.type ?? 'value'}${range}`;
}

/** Every value field of the environment schema, in schema order. */
export function environmentFields(schema: z.ZodType = environmentSchema): EnvironmentField[] {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out: EnvironmentField[] = [];
  const walk = (node: JsonSchema, prefix: string) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      const required = (node.required ?? []).includes(key);
      if (child.type === 'object' && child.properties) walk(child, path);
      else out.push({ path, required, type: typeOf(child), accepts: child.description ?? '' });
    }
  };
  walk(root, '');
  return out;
}

/** The object fields (sections) with their descriptions, for the headings of the page. */
function sections(schema: z.ZodType = environmentSchema): Map<string, string> {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const found = new Map<string, string>();
  const walk = (node: JsonSchema, prefix: string) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (child.type === 'object' && child.properties) {
        found.set(path, child.description ?? '');
        walk(child, path);
      }
    }
  };
  walk(root, '');
  return found;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** docs/environments.md. */
export function renderEnvironmentDocs(): string {
  const fields = environmentFields();
  const lines = [
    '# Environment config',
    '',
    '<!-- Generated from environments/schema.ts by `npm run docs:environments`; test/environments/docs.test.ts fails when it is stale. -->',
    '',
    'Each environment is one file, `environments/<name>.ts`, validated by `environments/schema.ts` when it loads.',
    '`npm run synth -- --set path.to.field=value` overrides one field for a run: the path must name a field',
    'listed here (nothing else can be set), and the value is read as YAML (`3`, `true`, `[64, 256]`, `{a: 1}`);',
    '`null` takes the field out, so that its default, or its alternative, applies (`api.replicas=null` with an',
    '`api.autoscaling`). The stack setting `tasknote:overrides` takes the same paths and values at deploy time.',
    '',
    'Every field that reaches Kubernetes or a service accepts what that consumer accepts, and no more: cron',
    "schedules as the API server's parser reads them, time zones as the API server finds them, hosts, ports",
    'and CIDRs as the API server, the container runtime or the service checks them. Where this project is',
    'stricter than the consumer, the field says so.',
    '',
    '| field | required | type | accepts |',
    '|---|---|---|---|',
    ...fields.map((f) => `| \`${f.path}\` | ${f.required ? 'yes' : 'no'} | ${cell(f.type)} | ${cell(f.accepts)} |`),
    '',
    '## When a value or a file is wrong',
    '',
    'Synth prints every problem at once, with the field, the value received and what is allowed, exits 1 and',
    'leaves the previous `dist/` untouched. An environment file that does not compile, imports something',
    'missing, throws while it loads or does not export its environment is reported the same way, as',
    '`environments/<file>.ts:<line>:<column>: <what is wrong>`, never as a stack trace. A `--set` path that',
    'names no field of this table (`__proto__` and other inherited names included) is refused with the',
    'fields known at that place.',
    '',
    '## Sections',
    '',
    ...[...sections()].map(([path, description]) => `- \`${path}\`: ${description}`),
    '',
  ];
  return lines.join('\n');
}
