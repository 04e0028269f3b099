// Namespaces and config: explicit namespaces, Pod Security admission labels, config rollout.
import { asArray, asRecord, isClusterScoped, refOf, stringMap } from '../model';
import { kindRule, workloadRule, type Rule } from '../rule';

const PSA_MODES = ['enforce', 'audit', 'warn'] as const;
/** Annotations whose change rolls the pods when their ConfigMap changes. */
export const CONFIG_HASH_ANNOTATIONS = ['tasknote.dev/config-hash', 'checksum/config'];

/** Names of the ConfigMaps a pod template consumes, through volumes, envFrom or env. */
export function configMapsUsed(podSpec: Record<string, unknown>): string[] {
  const names = new Set<string>();
  for (const v of asArray(podSpec.volumes)) {
    if (v.configMap?.name) names.add(String(v.configMap.name));
    for (const s of asArray(asRecord(v.projected).sources)) if (s.configMap?.name) names.add(String(s.configMap.name));
  }
  for (const field of ['initContainers', 'containers']) {
    for (const c of asArray(podSpec[field])) {
      for (const e of asArray(c.envFrom)) if (e.configMapRef?.name) names.add(String(e.configMapRef.name));
      for (const e of asArray(c.env)) if (e.valueFrom?.configMapKeyRef?.name) names.add(String(e.valueFrom.configMapKeyRef.name));
    }
  }
  return [...names];
}

export const NAMESPACE_RULES: Rule[] = [
  {
    id: 'explicit-namespace',
    severity: 'error',
    description: 'every namespaced object sets metadata.namespace, and none lands in `default`',
    source: 'KL, CK_K8S_21',
    *check(ctx) {
      for (const item of ctx.items) {
        const ref = refOf(item.object);
        if (isClusterScoped(ref.kind) || !ctx.isValid(item)) continue;
        if (ref.namespace === undefined || ref.namespace === '') {
          yield {
            item,
            path: ['metadata', 'namespace'],
            found: 'metadata.namespace is not set (kubectl would use the current context’s namespace)',
            fix: 'set metadata.namespace explicitly',
          };
        } else if (ref.namespace === 'default') {
          yield {
            item,
            path: ['metadata', 'namespace'],
            found: 'the object is in the default namespace',
            fix: 'put the application in its own namespace',
          };
        }
      }
    },
  },
  kindRule(
    {
      id: 'pod-security-labels',
      severity: 'error',
      description: 'every Namespace enforces, audits and warns on Pod Security `restricted`',
      source: 'PSS',
    },
    ['Namespace'],
    function* (item) {
      const labels = stringMap(item.object.metadata?.labels);
      const wrong = PSA_MODES.filter((m) => labels[`pod-security.kubernetes.io/${m}`] !== 'restricted');
      if (wrong.length > 0) {
        yield {
          path: ['metadata', 'labels'],
          found: `missing or not restricted: ${wrong.map((m) => `pod-security.kubernetes.io/${m}`).join(', ')}`,
          fix: `label the Namespace ${wrong.map((m) => `pod-security.kubernetes.io/${m}: restricted`).join(', ')}`,
        };
      }
    },
  ),
  workloadRule(
    {
      id: 'config-hash',
      severity: 'error',
      description: 'a pod template that uses a ConfigMap carries a content-hash annotation',
      source: "practice (Helm's checksum annotation)",
      group: 'conventions',
    },
    function* (w) {
      const used = configMapsUsed(w.podSpec);
      if (used.length === 0 || CONFIG_HASH_ANNOTATIONS.some((a) => w.podAnnotations[a])) return;
      yield {
        path: [...w.templatePath, 'metadata', 'annotations'],
        found: `the pod template uses ConfigMap ${used.join(', ')} and has no ${CONFIG_HASH_ANNOTATIONS[0]} annotation`,
        fix: `annotate the pod template with ${CONFIG_HASH_ANNOTATIONS[0]}: <hash of the ConfigMap data>, so a config change rolls the pods`,
      };
    },
  ),
];
