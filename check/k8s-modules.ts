// Lazy access to the ESM-only schema packages (kubernetes-models validators and the
// @kubernetes/client-node model metadata) from this CommonJS code base.
// - The client-node models are plain ES modules without imports: Node 20 can `require` them. The
//   require is taken from Node itself so that jest, which has its own module registry, loads
//   them the same way as the CLI does.
// - The validators import sibling packages that export only an `import` condition, which CommonJS
//   resolution (and tsx's require hook) refuses. esbuild bundles the validators of the kinds in
//   use into one CommonJS chunk, synchronously, once per batch of new kinds.
import { buildSync } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import type { Module } from 'node:module';

const nodeModule = process.getBuiltinModule('module') as typeof Module;
const nativeRequire = nodeModule.createRequire(__filename);

/** An ajv-compiled validator as kubernetes-models generates them. */
export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
export interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
}

/** One property of a client-node model: `baseName` is the JSON field, `type` names its model. */
export interface Attribute {
  readonly baseName: string;
  readonly type: string;
}

/** The installed directory of a package; resolving its entry would fail, as it exports only `import`. */
function packageDir(name: string): string {
  const dir = (nativeRequire.resolve.paths(name) ?? [])
    .map((base) => path.join(base, name))
    .find((candidate) => fs.existsSync(path.join(candidate, 'package.json')));
  if (!dir) throw new Error(`package ${name} is not installed: run npm ci`);
  return dir;
}

const MODELS_DIR = packageDir('kubernetes-models');
const CLIENT_MODELS_DIR = path.join(packageDir('@kubernetes/client-node'), 'dist', 'gen', 'models');

const validators = new Map<string, SchemaValidator | undefined>();
const models = new Map<string, readonly Attribute[] | undefined>();

function schemaFile(apiVersion: string, kind: string): string | undefined {
  // A model file such as apps/v1/Deployment.js imports its validator from _schemas/<Name>.js;
  // bundling the validator alone skips the model class and its runtime.
  const modelFile = path.join(MODELS_DIR, ...apiVersion.split('/'), `${kind}.js`);
  if (!/^[\w./-]+$/.test(`${apiVersion}/${kind}`) || !fs.existsSync(modelFile)) return undefined;
  const name = /_schemas\/(\w+)\.js/.exec(fs.readFileSync(modelFile, 'utf8'))?.[1];
  return name ? path.join(MODELS_DIR, '_schemas', `${name}.js`) : undefined;
}

/** Loads the validators of the given kinds that are not loaded yet, in one bundle. */
export function loadValidators(kinds: readonly { apiVersion: string; kind: string }[]): void {
  const wanted = new Map<string, string>();
  for (const { apiVersion, kind } of kinds) {
    const key = `${apiVersion}/${kind}`;
    if (validators.has(key) || wanted.has(key)) continue;
    const file = schemaFile(apiVersion, kind);
    if (file) wanted.set(key, file);
    else validators.set(key, undefined);
  }
  if (wanted.size === 0) return;
  const keys = [...wanted.keys()];
  const contents = keys.map((k, i) => `export { validate as v${i} } from ${JSON.stringify(wanted.get(k))};`).join('\n');
  const built = buildSync({ stdin: { contents, resolveDir: MODELS_DIR, loader: 'js' }, bundle: true, format: 'cjs', platform: 'node', write: false, logLevel: 'silent' });
  const chunk: { exports: Record<string, SchemaValidator> } = { exports: {} };
  // The chunk is generated code from installed packages; evaluating it is what `require` would do.
  new Function('module', 'exports', 'require', built.outputFiles[0].text)(chunk, chunk.exports, nativeRequire);
  keys.forEach((k, i) => validators.set(k, chunk.exports[`v${i}`]));
}

/** The validator of one apiVersion/kind, or undefined when kubernetes-models has none. */
export function schemaValidator(apiVersion: string, kind: string): SchemaValidator | undefined {
  loadValidators([{ apiVersion, kind }]);
  return validators.get(`${apiVersion}/${kind}`);
}

/** The attributes of a client-node model such as `V1Container`, or undefined when it has none. */
export function modelAttributes(name: string): readonly Attribute[] | undefined {
  if (!models.has(name)) {
    const file = path.join(CLIENT_MODELS_DIR, `${name}.js`);
    models.set(name, /^\w+$/.test(name) && fs.existsSync(file) ? nativeRequire(file)[name]?.attributeTypeMap : undefined);
  }
  return models.get(name);
}

/** The client-node model name of a top-level kind, e.g. `apps/v1` `Deployment` -> `V1Deployment`. */
export function topLevelModel(apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const v = version.charAt(0).toUpperCase() + version.slice(1);
  const groupPrefix = group === '' ? 'Core' : group.split('.')[0].charAt(0).toUpperCase() + group.split('.')[0].slice(1);
  return [`${v}${kind}`, `${groupPrefix}${v}${kind}`].find((name) => modelAttributes(name) !== undefined);
}
