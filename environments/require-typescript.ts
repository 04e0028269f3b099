// How the compiled CLI (plain Node, whose require knows .js, .json and .node) loads the environment
// files from source: a `.ts` require hook that strips the types with esbuild's `transform`, with an
// inline source map so that an exception can name its place in the `.ts` file (Node reads the maps
// only when a load failed, see requireTypeScript), and remembers each file's output in
// `.cache/tasknote-ts/`, keyed by its content. A warm synth thus starts no
// esbuild at all (its service process costs about 50 ms to start), and an edit to an environment
// file takes effect at the very next run: a different content is a different key.
//
// Under tsx (the sources) and jest, `.ts` already loads, and this hook is not registered.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeCacheFile } from '../core/cache-file';
import { REPO_ROOT } from '../core/repo-root';

const CACHE_DIR = join(REPO_ROOT, '.cache', 'tasknote-ts');

/** What esbuild is asked for; part of the cache key, with esbuild's version and the source. */
const TRANSFORM = { loader: 'ts', format: 'cjs', target: 'node20', sourcemap: 'inline', logLevel: 'silent' } as const;

type Loader = (module: NodeJS.Module & { _compile(code: string, filename: string): void }, filename: string) => void;

/** The JavaScript of the TypeScript `source` of `filename`: from the cache, or transformed (and cached). */
function javaScriptOf(filename: string, source: string): string {
  const esbuildVersion = (require('esbuild/package.json') as { version: string }).version;
  const key = createHash('sha256')
    .update(JSON.stringify([esbuildVersion, TRANSFORM, filename, source]))
    .digest('hex');
  // One cache file per source file (named after its path), so that edits replace rather than pile up.
  const cached = join(CACHE_DIR, `${createHash('sha256').update(filename).digest('hex').slice(0, 32)}.js`);
  const header = `// tasknote-ts ${key}\n`;
  try {
    const text = readFileSync(cached, 'utf8');
    if (text.startsWith(header)) return text.slice(header.length);
  } catch {
    // not cached yet
  }
  // A syntax error throws esbuild's failure, with its `errors` and their locations (environments/load.ts reads them).
  const { transformSync } = require('esbuild') as typeof import('esbuild');
  const code = transformSync(source, { ...TRANSFORM, sourcefile: filename }).code;
  writeCacheFile(cached, header + code);
  return code;
}

/** The files this hook compiled, and whether Node maps their stack traces through the inline maps. */
const compiled = new Set<string>();
let mapped = false;

/**
 * Lets `require` load `.ts` files, unless something (tsx, jest) already does; true when this hook
 * does it.
 */
function registerTypeScript(): boolean {
  const extensions = require.extensions as unknown as Record<string, Loader>;
  // jest's require has no extensions at all (and loads .ts itself).
  if (Object.keys(extensions).length === 0) return false;
  if ('.ts' in extensions) return extensions['.ts'] === loadTypeScript;
  extensions['.ts'] = loadTypeScript;
  return true;
}

const loadTypeScript: Loader = (module, filename) => {
  compiled.add(filename);
  module._compile(javaScriptOf(filename, readFileSync(filename, 'utf8')), filename);
};

/**
 * `require(file)` for a `.ts` file. Through this hook, the files are first compiled without source
 * maps: Node reading the inline maps cost about 4 ms a synth. If loading throws, it is done once
 * more with them, from fresh modules, so that the error's stack names lines and columns of the `.ts`
 * files (environments/load.ts reports the first of them).
 */
export function requireTypeScript(file: string): unknown {
  if (!registerTypeScript() || mapped) return require(file);
  try {
    return require(file);
  } catch {
    mapped = true;
    process.setSourceMapsEnabled(true);
    for (const f of compiled) delete require.cache[f];
    compiled.clear();
    return require(file);
  }
}
