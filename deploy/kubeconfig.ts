// Reading kubeconfig files the way kubectl does, without a cluster: contexts, clusters, merging.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { UserError } from '../core/user-error';

/** One context of a kubeconfig, with the server of the cluster it names. */
export interface KubeContext {
  readonly name: string;
  readonly cluster: string;
  readonly user: string;
  /** Server URL of `cluster`; undefined when the kubeconfig has no such cluster. */
  readonly server?: string;
}

/** A parsed (possibly merged) kubeconfig. */
export interface Kubeconfig {
  /** Files it was read from, for messages. */
  readonly sources: readonly string[];
  readonly currentContext?: string;
  readonly contexts: readonly KubeContext[];
  /** The merged document, to hand to the Kubernetes provider. */
  readonly document: KubeconfigDocument;
}

interface NamedEntry {
  name?: unknown;
  [field: string]: unknown;
}

interface KubeconfigDocument {
  apiVersion?: unknown;
  kind?: unknown;
  'current-context'?: unknown;
  clusters?: NamedEntry[];
  contexts?: NamedEntry[];
  users?: NamedEntry[];
  [field: string]: unknown;
}

const LISTS = ['clusters', 'contexts', 'users'] as const;

/** Parses one kubeconfig file's text; `source` names it in errors. */
export function parseKubeconfig(text: string, source: string): Kubeconfig {
  return fromDocument(parseDocument(text, source), [source]);
}

/**
 * Merges kubeconfig files with kubectl's rules for a `KUBECONFIG` list:
 * the first file that defines a cluster, context or user by a name wins,
 * and so does the first `current-context`.
 */
export function mergeKubeconfigs(files: readonly { text: string; source: string }[]): Kubeconfig {
  const merged: KubeconfigDocument = { apiVersion: 'v1', kind: 'Config', clusters: [], contexts: [], users: [] };
  for (const file of files) {
    const doc = parseDocument(file.text, file.source);
    if (merged['current-context'] === undefined && typeof doc['current-context'] === 'string' && doc['current-context'] !== '') {
      merged['current-context'] = doc['current-context'];
    }
    for (const list of LISTS) {
      const target = merged[list]!;
      for (const entry of doc[list] ?? []) {
        if (!target.some((e) => e.name === entry.name)) target.push(entry);
      }
    }
  }
  return fromDocument(
    merged,
    files.map((f) => f.source),
  );
}

/** The merged document as YAML, for the Kubernetes provider's `kubeconfig` input. */
export function serializeKubeconfig(kubeconfig: Kubeconfig): string {
  return stringify(kubeconfig.document);
}

/**
 * The kubeconfig files a deploy reads, in kubectl's order: an explicit path,
 * else every entry of `KUBECONFIG`, else `~/.kube/config`.
 */
export function kubeconfigPaths(explicit: string | undefined, env: NodeJS.ProcessEnv, home: string = homedir()): string[] {
  if (explicit !== undefined && explicit !== '') return [explicit];
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '');
  return fromEnv.length > 0 ? fromEnv : [join(home, '.kube', 'config')];
}

/** Reads and merges the files; missing files are skipped like kubectl does, unless none exists. */
export function readKubeconfig(paths: readonly string[]): Kubeconfig {
  const files: { text: string; source: string }[] = [];
  for (const path of paths) {
    try {
      files.push({ text: readFileSync(path, 'utf8'), source: path });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  if (files.length === 0) {
    throw new UserError(
      `no kubeconfig found: looked at ${paths.join(', ')}; set KUBECONFIG or the stack config 'tasknote:kubeconfig' to the file of the cluster`,
    );
  }
  return mergeKubeconfigs(files);
}

function parseDocument(text: string, source: string): KubeconfigDocument {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new UserError(`kubeconfig ${source} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new UserError(
      `kubeconfig ${source} must be a YAML mapping with clusters, contexts and users; got ${Array.isArray(doc) ? 'a list' : typeof doc}`,
    );
  }
  const result = doc as KubeconfigDocument;
  for (const list of LISTS) {
    const value = result[list];
    if (value !== undefined && value !== null && !Array.isArray(value)) {
      throw new UserError(`kubeconfig ${source}: '${list}' must be a list; got ${typeof value}`);
    }
    if (value === null) delete result[list];
  }
  return result;
}

function fromDocument(doc: KubeconfigDocument, sources: string[]): Kubeconfig {
  const servers = new Map<string, string>();
  for (const entry of doc.clusters ?? []) {
    const server = (entry.cluster as { server?: unknown } | undefined)?.server;
    if (typeof entry.name === 'string' && typeof server === 'string') servers.set(entry.name, server);
  }
  const contexts: KubeContext[] = [];
  for (const entry of doc.contexts ?? []) {
    if (typeof entry.name !== 'string') continue;
    const ctx = (entry.context ?? {}) as { cluster?: unknown; user?: unknown };
    const cluster = typeof ctx.cluster === 'string' ? ctx.cluster : '';
    contexts.push({ name: entry.name, cluster, user: typeof ctx.user === 'string' ? ctx.user : '', server: servers.get(cluster) });
  }
  const current = doc['current-context'];
  return { sources, currentContext: typeof current === 'string' && current !== '' ? current : undefined, contexts, document: doc };
}
