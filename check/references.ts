// References within one environment: every name an object uses resolves to an object in the
// same output (or one declared as provided), and every selector selects something.
import { asArray, asRecord, refOf, stringMap, type CheckContext, type Workload } from './model';
import { kindRule, type Located, type Rule } from './rule';
import type { FieldPath } from './types';

interface PodReference {
  readonly kind: 'ConfigMap' | 'Secret' | 'PersistentVolumeClaim' | 'ServiceAccount';
  readonly name: string;
  readonly path: FieldPath;
}

/** Every non-optional reference a pod template makes to another object. */
// Each of the missing-* rules asks for every workload's references: compute them once per workload.
const referenceCache = new WeakMap<Workload, readonly PodReference[]>();

export function podReferences(w: Workload): readonly PodReference[] {
  let refs = referenceCache.get(w);
  if (!refs) {
    refs = computePodReferences(w);
    referenceCache.set(w, refs);
  }
  return refs;
}

function computePodReferences(w: Workload): PodReference[] {
  const refs: PodReference[] = [];
  const p = w.podSpecPath;
  const add = (kind: PodReference['kind'], source: Record<string, unknown>, field: string, path: FieldPath) => {
    if (typeof source[field] === 'string' && source.optional !== true)
      refs.push({ kind, name: source[field] as string, path: [...path, field] });
  };
  asArray(w.podSpec.volumes).forEach((v, i) => {
    const vp = [...p, 'volumes', i];
    if (v.configMap) add('ConfigMap', asRecord(v.configMap), 'name', [...vp, 'configMap']);
    if (v.secret) add('Secret', asRecord(v.secret), 'secretName', [...vp, 'secret']);
    if (v.persistentVolumeClaim)
      add('PersistentVolumeClaim', asRecord(v.persistentVolumeClaim), 'claimName', [...vp, 'persistentVolumeClaim']);
    asArray(asRecord(v.projected).sources).forEach((s, j) => {
      if (s.configMap) add('ConfigMap', asRecord(s.configMap), 'name', [...vp, 'projected', 'sources', j, 'configMap']);
      if (s.secret) add('Secret', asRecord(s.secret), 'name', [...vp, 'projected', 'sources', j, 'secret']);
    });
  });
  for (const c of w.containers) {
    asArray(c.container.envFrom).forEach((e, i) => {
      if (e.configMapRef) add('ConfigMap', asRecord(e.configMapRef), 'name', [...c.path, 'envFrom', i, 'configMapRef']);
      if (e.secretRef) add('Secret', asRecord(e.secretRef), 'name', [...c.path, 'envFrom', i, 'secretRef']);
    });
    asArray(c.container.env).forEach((e, i) => {
      const from = asRecord(e.valueFrom);
      if (from.configMapKeyRef)
        add('ConfigMap', asRecord(from.configMapKeyRef), 'name', [...c.path, 'env', i, 'valueFrom', 'configMapKeyRef']);
      if (from.secretKeyRef) add('Secret', asRecord(from.secretKeyRef), 'name', [...c.path, 'env', i, 'valueFrom', 'secretKeyRef']);
    });
  }
  asArray(w.podSpec.imagePullSecrets).forEach((s, i) => add('Secret', s, 'name', [...p, 'imagePullSecrets', i]));
  // Every namespace has a `default` ServiceAccount; dedicated-service-account reports its use.
  if (typeof w.podSpec.serviceAccountName === 'string' && w.podSpec.serviceAccountName !== 'default') {
    add('ServiceAccount', w.podSpec, 'serviceAccountName', p);
  }
  return refs;
}

const MISSING_RULE_IDS: Record<PodReference['kind'], string> = {
  ConfigMap: 'missing-configmap',
  Secret: 'missing-secret',
  PersistentVolumeClaim: 'missing-pvc',
  ServiceAccount: 'missing-service-account',
};

function missingRule(kind: PodReference['kind']): Rule {
  return {
    id: MISSING_RULE_IDS[kind],
    severity: 'error',
    description: `every referenced ${kind} exists in the output or is declared as provided`,
    source: 'semantic',
    *check(ctx) {
      for (const w of ctx.workloads) {
        for (const r of podReferences(w).filter((x) => x.kind === kind)) {
          if (!ctx.exists(kind, w.namespace, r.name))
            yield {
              item: w.item,
              path: r.path,
              found: `${kind} ${r.name} is referenced but not in the output`,
              fix: fixMissing(kind, r.name),
            };
        }
      }
      if (kind === 'Secret') yield* ingressTlsSecrets(ctx);
    },
  };
}

const fixMissing = (kind: string, name: string) =>
  `add ${kind} ${name} to the output, correct the name, or declare it as created elsewhere: list ${kind}/${name} in the Namespace annotation check.tasknote.dev/provided (or pass --provided ${kind}/${name})`;

function* ingressTlsSecrets(ctx: CheckContext): Iterable<Located> {
  for (const item of ctx.ofKind('Ingress')) {
    const ns = refOf(item.object).namespace;
    for (const [i, tls] of asArray(item.object.spec?.tls).entries()) {
      if (typeof tls.secretName === 'string' && !ctx.exists('Secret', ns, tls.secretName)) {
        yield {
          item,
          path: ['spec', 'tls', i, 'secretName'],
          found: `TLS Secret ${tls.secretName} is referenced but not in the output`,
          fix: fixMissing('Secret', tls.secretName),
        };
      }
    }
  }
}

/** The numbers and names of the ports a workload's containers declare. */
type Ports = { readonly numbers: ReadonlySet<number>; readonly names: ReadonlyMap<string, number> };
// Asked for by several rules, and by the flow checks once per pair of workloads.
const portCache = new WeakMap<Workload, Ports>();

export function containerPorts(w: Workload): Ports {
  let ports = portCache.get(w);
  if (!ports) {
    ports = computeContainerPorts(w);
    portCache.set(w, ports);
  }
  return ports;
}

function computeContainerPorts(w: Workload): Ports {
  const numbers = new Set<number>();
  const names = new Map<string, number>();
  for (const c of w.containers.filter((x) => !x.init)) {
    for (const p of asArray(c.container.ports)) {
      if (typeof p.containerPort === 'number') numbers.add(p.containerPort);
      if (typeof p.name === 'string' && typeof p.containerPort === 'number') names.set(p.name, p.containerPort);
    }
  }
  return { numbers, names };
}

/** Ingress backends: `[path, service name, port]` for the default backend and every rule path. */
export function ingressBackends(spec: Record<string, unknown>): { path: FieldPath; service: Record<string, unknown> }[] {
  const out: { path: FieldPath; service: Record<string, unknown> }[] = [];
  if (asRecord(spec.defaultBackend).service)
    out.push({ path: ['spec', 'defaultBackend', 'service'], service: asRecord(asRecord(spec.defaultBackend).service) });
  asArray(spec.rules).forEach((r, i) =>
    asArray(asRecord(r.http).paths).forEach((p, j) => {
      if (asRecord(p.backend).service)
        out.push({ path: ['spec', 'rules', i, 'http', 'paths', j, 'backend', 'service'], service: asRecord(asRecord(p.backend).service) });
    }),
  );
  return out;
}

export const REFERENCE_RULES: Rule[] = [
  missingRule('ConfigMap'),
  missingRule('Secret'),
  missingRule('PersistentVolumeClaim'),
  missingRule('ServiceAccount'),
  kindRule(
    {
      id: 'service-selector',
      severity: 'error',
      description: 'a Service selector matches the pods of some workload',
      source: 'KL (dangling-service)',
    },
    ['Service'],
    function* (item, ctx) {
      const selector = stringMap(item.object.spec?.selector);
      if (Object.keys(selector).length === 0) return;
      if (ctx.selectedByMap(refOf(item.object).namespace, selector).length === 0) {
        yield {
          path: ['spec', 'selector'],
          found: `selector ${JSON.stringify(selector)} matches no pod template in namespace ${refOf(item.object).namespace ?? '(none)'}`,
          fix: 'make the selector a subset of the target pod template labels',
        };
      }
    },
  ),
  kindRule(
    {
      id: 'service-target-port',
      severity: 'error',
      description: 'every Service targetPort is a container port of the selected pods',
      source: 'KL, semantic',
    },
    ['Service'],
    function* (item, ctx) {
      const selector = stringMap(item.object.spec?.selector);
      const workloads = Object.keys(selector).length === 0 ? [] : ctx.selectedByMap(refOf(item.object).namespace, selector);
      for (const [i, port] of asArray(item.object.spec?.ports).entries()) {
        const target = port.targetPort ?? port.port;
        // A workload with schema errors may have unreadable ports; its schema findings come first.
        for (const w of workloads.filter((x) => ctx.isValid(x.item))) {
          const { numbers, names } = containerPorts(w);
          if (typeof target === 'number' ? numbers.has(target) : names.has(String(target))) continue;
          const declared =
            [...numbers]
              .map(String)
              .concat([...names.keys()])
              .join(', ') || 'none';
          yield {
            path: ['spec', 'ports', i, 'targetPort'],
            found: `targetPort ${JSON.stringify(target)} is not a container port of ${w.kind} ${w.name} (declared: ${declared})`,
            fix: 'point targetPort at a declared containerPort number or name',
          };
        }
      }
    },
  ),
  kindRule(
    {
      id: 'ingress-backend',
      severity: 'error',
      description: 'an Ingress backend names a Service and a port that exist',
      source: 'KL, semantic',
    },
    ['Ingress'],
    function* (item, ctx) {
      const ns = refOf(item.object).namespace;
      for (const b of ingressBackends(asRecord(item.object.spec))) {
        const name = String(b.service.name);
        const service = ctx.find('Service', ns, name);
        if (!service) {
          yield {
            path: [...b.path, 'name'],
            found: `Service ${name} does not exist in namespace ${ns ?? '(none)'}`,
            fix: 'name a Service in the same namespace',
          };
          continue;
        }
        const port = asRecord(b.service.port);
        const ports = asArray(service.object.spec?.ports);
        const ok = port.number !== undefined ? ports.some((p) => p.port === port.number) : ports.some((p) => p.name === port.name);
        if (!ok) {
          const have = ports.map((p) => (p.name ? `${p.name}=${p.port}` : String(p.port))).join(', ');
          yield {
            path: [...b.path, 'port'],
            found: `Service ${name} has no port ${JSON.stringify(port.number ?? port.name)} (it has: ${have || 'none'})`,
            fix: 'use a port number or name the Service declares',
          };
        }
      }
    },
  ),
  kindRule(
    { id: 'hpa-target', severity: 'error', description: 'an HPA targets a workload that exists', source: 'semantic' },
    ['HorizontalPodAutoscaler'],
    function* (item, ctx) {
      const t = asRecord(item.object.spec?.scaleTargetRef);
      if (!ctx.find(String(t.kind), refOf(item.object).namespace, String(t.name))) {
        yield {
          path: ['spec', 'scaleTargetRef'],
          found: `target ${String(t.kind)}/${String(t.name)} does not exist`,
          fix: 'name an existing Deployment or StatefulSet in the same namespace',
        };
      }
    },
  ),
  kindRule(
    { id: 'pdb-selector', severity: 'error', description: 'a PodDisruptionBudget selects the pods of some workload', source: 'semantic' },
    ['PodDisruptionBudget'],
    function* (item, ctx) {
      const selector = item.object.spec?.selector;
      const matched = selector === undefined ? [] : ctx.selectedBy(refOf(item.object).namespace, selector);
      if (matched.length === 0)
        yield {
          path: ['spec', 'selector'],
          found: `selector ${JSON.stringify(selector ?? null)} matches no pod template`,
          fix: 'use the selector of the workload it protects',
        };
    },
  ),
  kindRule(
    {
      id: 'network-policy-selects',
      severity: 'error',
      description: 'a NetworkPolicy with a podSelector selects some pods',
      source: 'semantic',
    },
    ['NetworkPolicy'],
    function* (item, ctx) {
      const selector = asRecord(item.object.spec?.podSelector);
      const empty = Object.keys(stringMap(selector.matchLabels)).length === 0 && asArray(selector.matchExpressions).length === 0;
      if (!empty && ctx.selectedBy(refOf(item.object).namespace, selector).length === 0) {
        yield {
          path: ['spec', 'podSelector'],
          found: `podSelector ${JSON.stringify(selector)} matches no pod template`,
          fix: 'match the labels of the pods the policy is meant for',
        };
      }
    },
  ),
];
