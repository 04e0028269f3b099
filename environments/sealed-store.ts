// The committed sealed files of an environment (environments/sealed/<env>/<Secret name>.yaml) and
// its sealing certificate (environments/sealed/<env>/cert.pem): the one place that reads them.
// Each file is a SealedSecret as `npm run seal` (or kubeseal) writes it; only the cluster's
// controller can decrypt its values, so the files are safe to commit.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../core/repo-root';
import { UserError } from '../core/user-error';
import { scopeOf, SEALED_SECRET_API_VERSION as SEALED_API_VERSION, type SealingScope } from '../core/sealing-scope';

/** One sealed file, as committed. */
export interface SealedFile {
  /** The file, relative to the repository. */
  readonly file: string;
  /** The Secret it seals (metadata.name). */
  readonly name: string;
  /** The namespace it was sealed for (metadata.namespace). */
  readonly namespace: string | undefined;
  readonly scope: SealingScope;
  /** Secret key -> base64 ciphertext. */
  readonly encryptedData: Readonly<Record<string, string>>;
}

export function sealedDir(env: string, root: string = REPO_ROOT): string {
  return join(root, 'environments', 'sealed', env);
}

export function sealedFilePath(env: string, secretName: string, root: string = REPO_ROOT): string {
  return join(sealedDir(env, root), `${secretName}.yaml`);
}

export function certificatePath(env: string, root: string = REPO_ROOT): string {
  return join(sealedDir(env, root), 'cert.pem');
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses one sealed file; throws a UserError naming the file and the field. */
export function parseSealedFile(text: string, file: string): SealedFile {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new UserError(`${file}: not YAML: ${(err as Error).message}`);
  }
  const problems: string[] = [];
  if (!isRecord(doc)) throw new UserError(`${file}: must hold one SealedSecret object`);
  if (doc.apiVersion !== SEALED_API_VERSION) problems.push(`apiVersion (${JSON.stringify(doc.apiVersion)}) must be ${SEALED_API_VERSION}`);
  if (doc.kind !== 'SealedSecret') problems.push(`kind (${JSON.stringify(doc.kind)}) must be SealedSecret`);
  const meta = isRecord(doc.metadata) ? doc.metadata : {};
  if (typeof meta.name !== 'string' || meta.name === '') problems.push('metadata.name is missing');
  const spec = isRecord(doc.spec) ? doc.spec : {};
  const data = isRecord(spec.encryptedData) ? spec.encryptedData : undefined;
  if (!data || Object.keys(data).length === 0) problems.push('spec.encryptedData must hold at least one key');
  for (const [k, v] of Object.entries(data ?? {})) {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(v)) problems.push(`spec.encryptedData.${k} must be base64 ciphertext`);
  }
  if (problems.length > 0) throw new UserError(`${file} is not a sealed file:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return {
    file,
    name: meta.name as string,
    namespace: typeof meta.namespace === 'string' ? meta.namespace : undefined,
    scope: scopeOf(isRecord(meta.annotations) ? meta.annotations : undefined),
    encryptedData: data as Record<string, string>,
  };
}

/** Every sealed file of an environment, by Secret name (the file's base name); none when the directory is absent. */
export function loadSealedFiles(env: string, root: string = REPO_ROOT): Map<string, SealedFile> {
  const dir = sealedDir(env, root);
  const out = new Map<string, SealedFile>();
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const path = join(dir, entry);
    const shown = relative(root, path);
    const sealed = parseSealedFile(readFileSync(path, 'utf8'), shown);
    const base = entry.slice(0, -'.yaml'.length);
    if (sealed.name !== base)
      throw new UserError(`${shown}: metadata.name (${JSON.stringify(sealed.name)}) must equal the file name (${base})`);
    out.set(base, sealed);
  }
  return out;
}
