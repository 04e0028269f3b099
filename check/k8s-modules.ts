// Lazy access to the ESM-only schema packages (kubernetes-models validators and the
// @kubernetes/client-node model metadata) from this CommonJS code base.
// - The client-node models are generated ES modules whose field table is a JSON array literal;
//   reading that literal is much faster than loading hundreds of modules through tsx's hook.
// - The validators import sibling packages that export only an `import` condition, which CommonJS
//   resolution (and tsx's require hook) refuses. esbuild bundles the validators of the kinds in
//   use into one CommonJS chunk, synchronously. Bundling costs more than checking, so the chunk
//   is cached under node_modules/.cache, keyed by the package versions and the kinds it holds.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import type { Module } from 'node:module';
import { writeCacheFile } from '../core/cache-file';

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

/**
 * Custom resources whose CRD schemas come from packages of the kubernetes-models family (the
 * upstream CRDs, generated into validators), by API group. Never copies of CRD files.
 */
export const CRD_PACKAGES: Readonly<Record<string, string>> = {
  'bitnami.com': '@kubernetes-models/sealed-secrets',
  'external-secrets.io': '@kubernetes-models/external-secrets',
};

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

/** The CRD package that has a schema for this apiVersion/kind, if any. */
export function crdPackageOf(apiVersion: string, kind: string): string | undefined {
  const pkg = CRD_PACKAGES[groupOf(apiVersion)];
  return pkg !== undefined && schemaFile(apiVersion, kind) !== undefined ? pkg : undefined;
}

function schemaFile(apiVersion: string, kind: string): string | undefined {
  // A model file such as apps/v1/Deployment.js imports its validator from _schemas/<Name>.js;
  // bundling the validator alone skips the model class and its runtime.
  const crdPackage = CRD_PACKAGES[groupOf(apiVersion)];
  const dir = crdPackage !== undefined ? packageDir(crdPackage) : MODELS_DIR;
  const modelFile = path.join(dir, ...apiVersion.split('/'), `${kind}.js`);
  if (!/^[\w./-]+$/.test(`${apiVersion}/${kind}`) || !fs.existsSync(modelFile)) return undefined;
  const name = /_schemas\/(\w+)\.js/.exec(fs.readFileSync(modelFile, 'utf8'))?.[1];
  return name ? path.join(dir, '_schemas', `${name}.js`) : undefined;
}

/**
 * Kinds bundled with whatever a check asks for, so that the usual manifests (ours, in every
 * environment) need one chunk, built once and then read from the cache.
 */
const COMMON_KINDS: readonly [string, string][] = [
  ['v1', 'ConfigMap'],
  ['v1', 'Secret'],
  ['v1', 'Service'],
  ['v1', 'ServiceAccount'],
  ['v1', 'Namespace'],
  ['v1', 'PersistentVolumeClaim'],
  ['v1', 'Pod'],
  ['apps/v1', 'Deployment'],
  ['apps/v1', 'StatefulSet'],
  ['apps/v1', 'DaemonSet'],
  ['batch/v1', 'Job'],
  ['batch/v1', 'CronJob'],
  ['networking.k8s.io/v1', 'Ingress'],
  ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['policy/v1', 'PodDisruptionBudget'],
  ['autoscaling/v2', 'HorizontalPodAutoscaler'],
  ['rbac.authorization.k8s.io/v1', 'Role'],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
];

const CACHE_DIR = path.join(packageDir('kubernetes-models'), '..', '.cache', 'tasknote-check');

/** Loads the validators of the given kinds that are not loaded yet, in one chunk. */
export function loadValidators(kinds: readonly { apiVersion: string; kind: string }[]): void {
  const wanted = new Map<string, string>();
  const requested = kinds.map((k) => [k.apiVersion, k.kind] as const);
  const fresh = requested.some(([v, k]) => !validators.has(`${v}/${k}`));
  for (const [apiVersion, kind] of fresh ? [...COMMON_KINDS, ...requested] : []) {
    const key = `${apiVersion}/${kind}`;
    if (validators.has(key) || wanted.has(key)) continue;
    const file = schemaFile(apiVersion, kind);
    if (file) wanted.set(key, file);
    else validators.set(key, undefined);
  }
  if (wanted.size === 0) return;
  const keys = [...wanted.keys()].sort();
  const contents = keys
    .map(
      (k, i) =>
        `export { validate as v${i} } from ${JSON.stringify(path.relative(MODELS_DIR, wanted.get(k)!).split(path.sep).join('/').replace(/^/, './'))};`,
    )
    .join('\n');
  const exports = evaluate(bundle(contents));
  keys.forEach((k, i) => validators.set(k, exports[`v${i}`]));
}

/**
 * Evaluates a chunk, as `require` would (it is generated code from installed packages). Compiling
 * its 0.7 MB from source took about 9 ms of every check; the V8 code cache beside the chunk,
 * written at the exit of the first process that used it (so it holds the validators that ran),
 * takes a fraction of that. V8 refuses a cache that does not match the source or this V8, and
 * then it is written anew.
 */
function evaluate({ file, code }: { file: string; code: string }): Record<string, SchemaValidator> {
  const cacheFile = `${file}.v8cache`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(`(function (module, exports, require) {${code}\n})`, { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected)
    process.once('exit', () => writeCacheFile(cacheFile, script.createCachedData()));
  const chunk: { exports: Record<string, SchemaValidator> } = { exports: {} };
  (script.runInThisContext() as (m: typeof chunk, e: typeof chunk.exports, r: NodeJS.Require) => void)(chunk, chunk.exports, nativeRequire);
  return chunk.exports;
}

/** The CommonJS bundle of an entry module inside kubernetes-models, from the cache when it is there. */
function bundle(entry: string): { file: string; code: string } {
  const versions = ['kubernetes-models', '@kubernetes-models/apimachinery', '@kubernetes-models/validate', 'esbuild', ...Object.values(CRD_PACKAGES)]
    .map((name) => JSON.parse(fs.readFileSync(path.join(packageDir(name), 'package.json'), 'utf8')).version)
    .join(',');
  const file = path.join(CACHE_DIR, `validators-${createHash('sha256').update(`${versions}\n${entry}`).digest('hex').slice(0, 16)}.cjs`);
  if (fs.existsSync(file)) return { file, code: fs.readFileSync(file, 'utf8') };
  // Loaded here only: most runs find the chunk in the cache and never need esbuild.
  const { buildSync } = nativeRequire('esbuild') as typeof import('esbuild');
  const code = buildSync({
    stdin: { contents: entry, resolveDir: MODELS_DIR, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'cjs',
    platform: 'node',
    write: false,
    logLevel: 'silent',
  }).outputFiles[0].text;
  // A read-only node_modules only costs the next run another bundling.
  writeCacheFile(file, code);
  return { file, code };
}

/** The validator of one apiVersion/kind, or undefined when kubernetes-models has none. */
export function schemaValidator(apiVersion: string, kind: string): SchemaValidator | undefined {
  const key = `${apiVersion}/${kind}`;
  if (!validators.has(key)) loadValidators([{ apiVersion, kind }]);
  return validators.get(key);
}

/** The model files of client-node, listed once: the unknown-field walk asks about every type it meets ('string', 'Date', …). */
let modelFiles: ReadonlySet<string> | undefined;
const isModelFile = (file: string) => (modelFiles ??= new Set(fs.readdirSync(CLIENT_MODELS_DIR))).has(file);

/** The attributes of a client-node model such as `V1Container`, or undefined when it has none. */
export function modelAttributes(name: string): readonly Attribute[] | undefined {
  if (!models.has(name)) {
    const file = path.join(CLIENT_MODELS_DIR, `${name}.js`);
    if (!/^\w+$/.test(name) || !isModelFile(`${name}.js`)) {
      models.set(name, undefined);
    } else {
      const table = new RegExp(`^${name}\\.attributeTypeMap = (\\[[\\s\\S]*?\\n\\]);$`, 'm').exec(fs.readFileSync(file, 'utf8'));
      if (!table) throw new Error(`${file} has no attributeTypeMap literal: @kubernetes/client-node changed its generated models`);
      models.set(name, JSON.parse(table[1]) as Attribute[]);
    }
  }
  return models.get(name);
}

/** The client-node model name of a top-level kind, e.g. `apps/v1` `Deployment` -> `V1Deployment`. */
const topLevelModels = new Map<string, string | undefined>();

export function topLevelModel(apiVersion: string, kind: string): string | undefined {
  const key = `${apiVersion}/${kind}`;
  if (!topLevelModels.has(key)) topLevelModels.set(key, findTopLevelModel(apiVersion, kind));
  return topLevelModels.get(key);
}

function findTopLevelModel(apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const v = version.charAt(0).toUpperCase() + version.slice(1);
  const groupPrefix = group === '' ? 'Core' : group.split('.')[0].charAt(0).toUpperCase() + group.split('.')[0].slice(1);
  return [`${v}${kind}`, `${groupPrefix}${v}${kind}`].find((name) => modelAttributes(name) !== undefined);
}
