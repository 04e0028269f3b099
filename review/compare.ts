// Puts together what `diff` reports: per environment, the object diff and, when edges moved, the new topology.
import { UserError } from '../core/user-error';
import { ENVIRONMENT_NAMES, EnvironmentName } from '../core/environment-names';
import { alignNamespace, diffManifests, soleNamespace } from './diff';
import { buildGraph, edgeSet, renderMermaid } from './graph';
import { KubeObject } from '../core/kube-object';
import { DiffReport, EnvironmentDiff, TopologyChange } from './render';


/** Checks an environment name given on the command line. */
export function environmentOption(option: string, value: string): EnvironmentName {
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(value)) {
    throw new UserError(`${option}: unknown environment ${JSON.stringify(value)}; allowed: ${ENVIRONMENT_NAMES.join(', ')}`, 2);
  }
  return value as EnvironmentName;
}

function topologyChange(base: readonly KubeObject[], head: readonly KubeObject[]): TopologyChange | undefined {
  const before = new Set(edgeSet(buildGraph(base)));
  const headGraph = buildGraph(head);
  const after = new Set(edgeSet(headGraph));
  const addedEdges = [...after].filter((e) => !before.has(e));
  const removedEdges = [...before].filter((e) => !after.has(e));
  if (addedEdges.length + removedEdges.length === 0) return undefined;
  return { addedEdges, removedEdges, mermaid: renderMermaid(headGraph) };
}

export function compareEnvironment(env: string, base: readonly KubeObject[], head: readonly KubeObject[]): EnvironmentDiff {
  return {
    env,
    diff: diffManifests(base, head),
    topology: topologyChange(base, head),
  };
}

/** Compares the same environments of two trees. */
export function compareTrees(
  base: ReadonlyMap<string, readonly KubeObject[]>,
  head: ReadonlyMap<string, readonly KubeObject[]>,
  envs: readonly string[],
  labels: { base: string; head: string },
): DiffReport {
  return {
    baseLabel: labels.base,
    headLabel: labels.head,
    notes: [],
    environments: envs.map((env) => compareEnvironment(env, base.get(env) ?? [], head.get(env) ?? [])),
  };
}

/**
 * Compares two environments of one tree (`--from staging --to prod`). The `from` objects are moved into the
 * `to` namespace first, so that the report shows what differs besides where the objects live.
 */
export function compareEnvironments(
  objects: ReadonlyMap<string, readonly KubeObject[]>,
  from: string,
  to: string,
  treeLabel: string,
): DiffReport {
  const fromObjects = objects.get(from) ?? [];
  const toObjects = objects.get(to) ?? [];
  const fromNs = soleNamespace(fromObjects);
  const toNs = soleNamespace(toObjects);
  const aligned = fromNs && toNs && fromNs !== toNs;
  return {
    baseLabel: `${from} (${treeLabel})`,
    headLabel: `${to} (${treeLabel})`,
    notes: aligned ? [`namespace ${fromNs} is compared as ${toNs}`] : [],
    environments: [compareEnvironment(`${from} → ${to}`, aligned ? alignNamespace(fromObjects, fromNs, toNs) : fromObjects, toObjects)],
  };
}
