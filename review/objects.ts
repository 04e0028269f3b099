// Kubernetes objects as parsed from manifests, their identity, and loading them from a synth output directory.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { UserError } from '../core/user-error';
import type { KubeObject } from '../core/kube-object';


/** The objects of each environment, keyed by environment name. */
export type ManifestSet = ReadonlyMap<string, readonly KubeObject[]>;

/** `apps/v1` → `apps`; the core group (`v1`) is the empty string. */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * The identity of an object across two versions of the manifests.
 * The API version is left out on purpose, so that `autoscaling/v2beta2` → `v2` shows as a field change.
 */
export function diffKey(obj: KubeObject): string {
  return [apiGroup(obj.apiVersion), obj.kind, obj.metadata.namespace ?? '', obj.metadata.name].join('/');
}

/** A short, readable name: `Deployment tasknote/tasknote-api`. */
export function objectLabel(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return `${obj.kind} ${ns ? `${ns}/` : ''}${obj.metadata.name}`;
}

function assertKubeObject(value: unknown, where: string): KubeObject {
  const v = value as Partial<KubeObject> | null;
  const problems: string[] = [];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new UserError(`${where}: expected a Kubernetes object (a mapping), received ${JSON.stringify(value)}`);
  }
  if (typeof v.apiVersion !== 'string') problems.push(`apiVersion must be a string, received ${JSON.stringify(v.apiVersion)}`);
  if (typeof v.kind !== 'string') problems.push(`kind must be a string, received ${JSON.stringify(v.kind)}`);
  if (typeof v.metadata?.name !== 'string') problems.push(`metadata.name must be a string, received ${JSON.stringify(v.metadata?.name)}`);
  if (problems.length > 0) throw new UserError(`${where}: ${problems.join('; ')}`);
  return v as KubeObject;
}

/** Parses a multi-document YAML text; empty documents are skipped. */
export function parseManifest(text: string, where: string): KubeObject[] {
  const objects: KubeObject[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0) {
      throw new UserError(`${where}: document ${i + 1} is not valid YAML: ${doc.errors[0].message}`);
    }
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) objects.push(assertKubeObject(value, `${where} (document ${i + 1})`));
  });
  return objects;
}

/**
 * Reads a synth output directory laid out as `<dir>/<env>/*.yaml`.
 * `only` limits it to some environments; an environment directory that does not exist is an error.
 */
export function loadManifestDir(dir: string, only?: readonly string[]): Map<string, KubeObject[]> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UserError(`manifest directory ${dir} does not exist; expected <dir>/<env>/*.yaml as written by synth`);
  }
  const envs =
    only ??
    fs
      .readdirSync(dir)
      .filter((e) => fs.statSync(path.join(dir, e)).isDirectory())
      .sort();
  const result = new Map<string, KubeObject[]>();
  for (const env of envs) {
    const envDir = path.join(dir, env);
    if (!fs.existsSync(envDir)) {
      throw new UserError(`no manifests for environment '${env}' in ${dir}: ${envDir} does not exist`);
    }
    const files = fs
      .readdirSync(envDir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
    result.set(
      env,
      files.flatMap((f) => parseManifest(fs.readFileSync(path.join(envDir, f), 'utf8'), path.join(envDir, f))),
    );
  }
  return result;
}
