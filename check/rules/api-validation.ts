// What the API server's validation code refuses beyond the OpenAPI schema (Kubernetes 1.34:
// pkg/apis/core/validation, apps, batch, autoscaling, policy and networking validation, the
// label-selector validation of apimachinery, and server-side apply's list-map keys). Each rule
// is one defect class; every fact below was read from that code and is exercised by a case in
// test/fixtures/apiserver-catalogue/ that the cluster lane submits to a real API server.
import { isIPv6 } from 'node:net';
import { standardCronError } from '../../core/private/cron';
import {
  DNS_1123_LABEL as DNS_LABEL,
  dnsSubdomainProblem,
  hostProblem,
  isSloppyIPv4,
  labelValueProblem,
  nodeKnowsTimeZone,
  pathSegmentNameProblem,
  qualifiedNameProblem as labelKeyProblem,
} from '../../core/value-rules';
import { asArray, asRecord, getIn, isObject, selectorMatches, stringMap, type CheckContext, type Container, type Workload } from '../model';
import { kindRule, workloadRule, type Rule } from '../rule';
import { autoscalerSpec } from './autoscaler-spec';
import { valueRange } from './value-range';
import { quantityValue } from '../quantity';
import { show } from '../schema';
import type { FieldPath, KubeObject, SourcedObject, Violation } from '../types';

const SOURCE = 'API server (validation code)';
const DNS_1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
/** A CronJob's Jobs get an 11-character suffix, so its own name may have at most 52. */
const CRONJOB_NAME_MAX = 52;
const APPS_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'];

/** Why a name is not an IANA service name (container port names, named target and probe ports). */
export function ianaServiceNameProblem(name: string): string | undefined {
  if (name.length > 15) return 'is longer than 15 characters';
  if (!/^[-a-z0-9]+$/.test(name)) return 'holds characters other than a-z, 0-9 and -';
  if (!/[a-z]/.test(name)) return 'holds no letter';
  if (name.startsWith('-') || name.endsWith('-') || name.includes('--')) return 'starts or ends with -, or holds --';
  return undefined;
}

function configKeyProblem(key: string): string | undefined {
  if (key.length > 253) return 'is longer than 253 characters';
  if (!CONFIG_KEY.test(key)) return "holds characters other than letters, digits, '-', '_' and '.'";
  if (key === '.' || key === '..') return 'is . or ..';
  return undefined;
}

/** Why a CronJob timeZone is refused: IANA naming, not `Local`, and known to the zone database. */
function timeZoneProblem(zone: string): string | undefined {
  if (zone === '') return 'is empty';
  if (zone.split('/').some((part) => part === '.' || part === '..' || part.startsWith('-') || !/^[A-Za-z.\-_0-9+]{1,14}$/.test(part)))
    return 'is not an IANA time zone name';
  if (zone.toLowerCase() === 'local') return 'is not an explicit time zone';
  return nodeKnowsTimeZone(zone) ? undefined : 'is not in the time zone database';
}

const sc = (c: Container) => asRecord(c.container.securityContext);
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const HOOK_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'];

// ---- quantities ------------------------------------------------------------------------------
export { quantityValue };

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const isContainerResourceName = (name: string) =>
  STANDARD_CONTAINER_RESOURCES.has(name) || name.startsWith('hugepages-') || (name.includes('/') && !name.startsWith('requests.'));

// ---- label selectors -------------------------------------------------------------------------
function* labelSelectorProblems(selector: unknown, path: FieldPath): Iterable<Violation> {
  if (!isObject(selector)) return;
  yield* mapSelectorProblems(selector.matchLabels, [...path, 'matchLabels'], 'matchLabels');
  for (const [i, e] of asArray(selector.matchExpressions).entries()) {
    const p = [...path, 'matchExpressions', i];
    const values = Array.isArray(e.values) ? e.values : [];
    const key = typeof e.key === 'string' ? e.key : '';
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) yield { path: [...p, 'key'], found: `selector key ${show(key)} ${keyProblem}`, fix: 'use a valid label key' };
    if (e.operator === 'In' || e.operator === 'NotIn') {
      if (values.length === 0)
        yield {
          path: [...p, 'values'],
          found: `operator ${e.operator} with no values`,
          fix: `give at least one value, or use Exists / DoesNotExist`,
        };
    } else if (e.operator === 'Exists' || e.operator === 'DoesNotExist') {
      if (values.length > 0)
        yield {
          path: [...p, 'values'],
          found: `operator ${e.operator} with values ${show(values)}`,
          fix: 'remove values: Exists and DoesNotExist take none',
        };
    } else {
      yield {
        path: [...p, 'operator'],
        found: `operator ${show(e.operator)} is not a selector operator`,
        fix: 'use In, NotIn, Exists or DoesNotExist',
      };
    }
    for (const v of values)
      if (typeof v === 'string' && labelValueProblem(v))
        yield { path: [...p, 'values'], found: `selector value ${show(v)} ${labelValueProblem(v)}`, fix: 'use a valid label value' };
  }
}

function* mapSelectorProblems(selector: unknown, path: FieldPath, what: string): Iterable<Violation> {
  for (const [k, v] of Object.entries(stringMap(selector))) {
    const problem = labelKeyProblem(k)
      ? `key ${show(k)} ${labelKeyProblem(k)}`
      : labelValueProblem(v)
        ? `value ${show(v)} ${labelValueProblem(v)}`
        : undefined;
    if (problem) yield { path: [...path, k], found: `${what} ${problem}`, fix: 'use a valid label key and value' };
  }
}

/**
 * The topology keys of a pod spec's (anti-)affinity terms, which validation takes as label keys. A
 * spread constraint's topologyKey need only be set (validateTopologyKey): the table's to require.
 */
function* topologyKeys(w: Workload): Iterable<[unknown, FieldPath]> {
  const affinity = asRecord(w.podSpec.affinity);
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = asRecord(affinity[kind]);
    for (const [i, term] of asArray(a.requiredDuringSchedulingIgnoredDuringExecution).entries())
      yield [term.topologyKey, [...w.podSpecPath, 'affinity', kind, 'requiredDuringSchedulingIgnoredDuringExecution', i, 'topologyKey']];
    for (const [i, weighted] of asArray(a.preferredDuringSchedulingIgnoredDuringExecution).entries())
      yield [
        asRecord(weighted.podAffinityTerm).topologyKey,
        [...w.podSpecPath, 'affinity', kind, 'preferredDuringSchedulingIgnoredDuringExecution', i, 'podAffinityTerm', 'topologyKey'],
      ];
  }
}

/** Where label selectors sit in a pod spec: topology spread and pod (anti-)affinity terms. */
function* podSpecSelectors(w: Workload): Iterable<[unknown, FieldPath]> {
  for (const [i, t] of asArray(w.podSpec.topologySpreadConstraints).entries())
    yield [t.labelSelector, [...w.podSpecPath, 'topologySpreadConstraints', i, 'labelSelector']];
  const affinity = asRecord(w.podSpec.affinity);
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = asRecord(affinity[kind]);
    for (const [i, term] of asArray(a.requiredDuringSchedulingIgnoredDuringExecution).entries())
      for (const s of ['labelSelector', 'namespaceSelector'])
        yield [term[s], [...w.podSpecPath, 'affinity', kind, 'requiredDuringSchedulingIgnoredDuringExecution', i, s]];
    for (const [i, weighted] of asArray(a.preferredDuringSchedulingIgnoredDuringExecution).entries())
      for (const s of ['labelSelector', 'namespaceSelector'])
        yield [
          asRecord(weighted.podAffinityTerm)[s],
          [...w.podSpecPath, 'affinity', kind, 'preferredDuringSchedulingIgnoredDuringExecution', i, 'podAffinityTerm', s],
        ];
  }
}

// ---- duplicates ------------------------------------------------------------------------------
function* duplicates<T>(entries: Iterable<[T, FieldPath]>, describe: (key: T) => string, fix: string): Iterable<Violation> {
  const seen = new Map<string, FieldPath>();
  for (const [key, path] of entries) {
    const k = JSON.stringify(key);
    if (seen.has(k)) yield { path, found: `${describe(key)} appears twice`, fix };
    else seen.set(k, path);
  }
}

function* namedEntries(list: unknown, path: FieldPath, field = 'name'): Iterable<[unknown, FieldPath]> {
  for (const [i, e] of asArray(list).entries()) if (e[field] !== undefined) yield [e[field], [...path, i, field]];
}

// ---- Secrets ---------------------------------------------------------------------------------
function secretValue(o: KubeObject, key: string): string | undefined {
  const plain = asRecord(o.stringData)[key];
  if (typeof plain === 'string') return plain;
  const encoded = asRecord(o.data)[key];
  return typeof encoded === 'string' ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
}
const hasSecretKey = (o: KubeObject, key: string) => secretValue(o, key) !== undefined;

function* secretTypeProblems(item: SourcedObject): Iterable<Violation> {
  const o = item.object;
  for (const field of ['data', 'stringData'])
    for (const key of Object.keys(asRecord(o[field]))) {
      const problem = configKeyProblem(key);
      if (problem)
        yield {
          path: [field, key],
          found: `Secret key ${show(key)} ${problem}`,
          fix: "use letters, digits, '-', '_' and '.' in Secret keys",
        };
    }
  const type = typeof o.type === 'string' ? o.type : 'Opaque';
  const need = (key: string, why: string) =>
    hasSecretKey(o, key) ? [] : [{ path: ['data', key], found: `a ${type} Secret without ${key}`, fix: `add ${key}: ${why}` }];
  const json = (key: string) => {
    const value = secretValue(o, key);
    if (value === undefined) return need(key, 'the registry credentials');
    try {
      JSON.parse(value);
      return [];
    } catch (e) {
      return [
        { path: ['data', key], found: `${key} is not JSON (${(e as Error).message})`, fix: `make ${key} the JSON a registry login writes` },
      ];
    }
  };
  switch (type) {
    case 'kubernetes.io/service-account-token':
      if (!stringMap(o.metadata?.annotations)['kubernetes.io/service-account.name'])
        yield {
          path: ['metadata', 'annotations', 'kubernetes.io/service-account.name'],
          found: 'a service-account-token Secret without the kubernetes.io/service-account.name annotation',
          fix: 'annotate it with the ServiceAccount it belongs to',
        };
      break;
    case 'kubernetes.io/dockercfg':
      yield* json('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      yield* json('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!hasSecretKey(o, 'username') && !hasSecretKey(o, 'password'))
        yield { path: ['data'], found: 'a basic-auth Secret with neither username nor password', fix: 'add username and/or password' };
      break;
    case 'kubernetes.io/ssh-auth':
      yield* need('ssh-privatekey', 'the private key');
      break;
    case 'kubernetes.io/tls':
      yield* need('tls.crt', 'the certificate chain');
      yield* need('tls.key', 'the private key');
      break;
  }
}

// ---- Ingress ---------------------------------------------------------------------------------
/** An Ingress's class and hosts: DNS-1123 subdomains (hosts may start with `*.`; a rule's host is no IP address). */
function* ingressNameProblems(spec: Record<string, unknown>): Iterable<Violation> {
  const cls = spec.ingressClassName;
  const clsProblem = typeof cls === 'string' ? dnsSubdomainProblem(cls) : undefined;
  if (clsProblem)
    yield { path: ['spec', 'ingressClassName'], found: `ingressClassName ${show(cls)} ${clsProblem}`, fix: 'name an IngressClass' };
  for (const [i, rule] of asArray(spec.rules).entries()) {
    if (typeof rule.host !== 'string' || rule.host === '') continue;
    const problem = isSloppyIPv4(rule.host) ? 'is an IP address, not a DNS name' : hostProblem(rule.host);
    if (problem)
      yield {
        path: ['spec', 'rules', i, 'host'],
        found: `host ${show(rule.host)} ${problem}`,
        fix: 'use a lower-case DNS name such as app.example.com',
      };
  }
  for (const [i, tls] of asArray(spec.tls).entries()) {
    // An empty secretName is none (validateTLSSecretName); a given one names a Secret.
    const secretProblem = typeof tls.secretName === 'string' && tls.secretName !== '' ? dnsSubdomainProblem(tls.secretName) : undefined;
    if (secretProblem)
      yield {
        path: ['spec', 'tls', i, 'secretName'],
        found: `TLS secretName ${show(tls.secretName)} ${secretProblem}`,
        fix: 'name a Secret (a DNS-1123 subdomain)',
      };
  }
  for (const [backend, path] of ingressBackends(spec)) {
    const service = asRecord(backend.service);
    if (typeof service.name === 'string' && service.name !== '' && !DNS_1035.test(service.name))
      yield {
        path: [...path, 'service', 'name'],
        found: `backend Service name ${show(service.name)} is not a DNS-1035 label`,
        fix: 'name a Service: lower-case letters, digits and -, starting with a letter',
      };
    const portName = asRecord(service.port).name;
    const portProblem = typeof portName === 'string' && portName !== '' ? ianaServiceNameProblem(portName) : undefined;
    if (portProblem)
      yield {
        path: [...path, 'service', 'port', 'name'],
        found: `backend port name ${show(portName)} ${portProblem}`,
        fix: 'name a Service port (an IANA service name), or give its number',
      };
  }
  for (const [i, tls] of asArray(spec.tls).entries())
    for (const [j, host] of (Array.isArray(tls.hosts) ? tls.hosts : []).entries()) {
      const problem = typeof host === 'string' ? hostProblem(host) : undefined;
      if (problem)
        yield {
          path: ['spec', 'tls', i, 'hosts', j],
          found: `TLS host ${show(host)} ${problem}`,
          fix: 'use a lower-case DNS name such as app.example.com',
        };
    }
}

/** An Ingress's backends: the default one and each path's, with their paths. */
function* ingressBackends(spec: Record<string, unknown>): Iterable<[Record<string, unknown>, FieldPath]> {
  if (isObject(spec.defaultBackend)) yield [spec.defaultBackend, ['spec', 'defaultBackend']];
  for (const [i, rule] of asArray(spec.rules).entries())
    for (const [j, p] of asArray(asRecord(rule.http).paths).entries())
      if (isObject(p.backend)) yield [p.backend, ['spec', 'rules', i, 'http', 'paths', j, 'backend']];
}

/** What networking validation refuses in an Ingress path: Exact and Prefix paths are absolute and clean. */
const INGRESS_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INGRESS_PATH_SUFFIXES = ['/..', '/.'];
function ingressPathProblem(p: Record<string, unknown>): string | undefined {
  const path = typeof p.path === 'string' ? p.path : '';
  const strict = p.pathType === 'Exact' || p.pathType === 'Prefix';
  if ((strict || path !== '') && !path.startsWith('/'))
    return path === '' ? `a ${String(p.pathType)} path is not set` : `Ingress path ${show(path)} is not absolute`;
  if (!strict) return undefined;
  const bad = INGRESS_PATH_SEQUENCES.find((seq) => path.includes(seq)) ?? INGRESS_PATH_SUFFIXES.find((end) => path.endsWith(end));
  return bad ? `Ingress path ${show(path)} holds ${show(bad)}` : undefined;
}

// ---- references by name ----------------------------------------------------------------------
/** The claim specs of a set: each PersistentVolumeClaim's and each StatefulSet claim template's. */
function* claimSpecs(ctx: CheckContext): Iterable<[SourcedObject, FieldPath]> {
  for (const item of ctx.ofKind('PersistentVolumeClaim')) yield [item, ['spec']];
  for (const item of ctx.ofKind('StatefulSet'))
    for (const [i] of asArray(item.object.spec?.volumeClaimTemplates).entries()) yield [item, ['spec', 'volumeClaimTemplates', i, 'spec']];
}

/**
 * The ConfigMaps and Secrets a container names in env and envFrom: DNS-1123 subdomains. A key
 * selector's name is validated even when empty (validateSecretKeySelector and its ConfigMap
 * twin); an envFrom source's empty name is the missing field `schema-required` reports.
 */
function* containerReferenceProblems(c: Container): Iterable<Violation> {
  for (const [i, e] of asArray(c.container.env).entries())
    for (const ref of ['secretKeyRef', 'configMapKeyRef']) {
      const selector = asRecord(e.valueFrom)[ref];
      if (!isObject(selector)) continue;
      const name = typeof selector.name === 'string' ? selector.name : '';
      const problem = dnsSubdomainProblem(name);
      if (problem)
        yield {
          path: [...c.path, 'env', i, 'valueFrom', ref, 'name'],
          found: `container ${c.name}: env ${show(e.name)} ${ref}.name ${show(selector.name ?? '')} ${problem}`,
          fix: `name the ${ref === 'secretKeyRef' ? 'Secret' : 'ConfigMap'} it reads`,
        };
      const keyProblem = typeof selector.key === 'string' && selector.key !== '' ? configKeyProblem(selector.key) : undefined;
      if (keyProblem)
        yield {
          path: [...c.path, 'env', i, 'valueFrom', ref, 'key'],
          found: `container ${c.name}: env ${show(e.name)} ${ref}.key ${show(selector.key)} ${keyProblem}`,
          fix: "use letters, digits, '-', '_' and '.' in keys",
        };
    }
  for (const [i, e] of asArray(c.container.envFrom).entries())
    for (const ref of ['configMapRef', 'secretRef']) {
      const name = asRecord(e[ref]).name;
      const problem = typeof name === 'string' && name !== '' ? dnsSubdomainProblem(name) : undefined;
      if (problem)
        yield {
          path: [...c.path, 'envFrom', i, ref, 'name'],
          found: `container ${c.name}: envFrom ${ref}.name ${show(name)} ${problem}`,
          fix: `name the ${ref === 'secretRef' ? 'Secret' : 'ConfigMap'} it reads`,
        };
    }
}

// ---- rules -----------------------------------------------------------------------------------
const namePerKind: Rule = {
  id: 'name-per-kind',
  severity: 'error',
  description:
    'names follow the rule of their kind: Services DNS-1035, CronJobs <= 52 characters and IANA time zones, Jobs <= 63, containers, volumes and Service ports DNS-1123 labels, container ports IANA service names, ConfigMap keys; so do the names objects refer to each other by (ServiceAccounts, StorageClasses, TLS and env Secrets and ConfigMaps, Ingress backend Services and ports, binding subjects, a StatefulSet serviceName, affinity topology keys)',
  source: SOURCE,
  *check(ctx) {
    const v = (item: SourcedObject, x: Violation) => ({ ...x, item });
    for (const item of ctx.ofKind('Service')) {
      const name = String(item.object.metadata?.name ?? '');
      if (DNS_LABEL.test(name) && !DNS_1035.test(name))
        yield v(item, {
          path: ['metadata', 'name'],
          found: `Service name ${show(name)} does not start with a letter (DNS-1035)`,
          fix: 'start the Service name with a letter: it becomes a DNS name and an env var prefix',
        });
      for (const [i, p] of asArray(item.object.spec?.ports).entries())
        if (typeof p.name === 'string' && p.name !== '' && !DNS_LABEL.test(p.name))
          yield v(item, {
            path: ['spec', 'ports', i, 'name'],
            found: `Service port name ${show(p.name)} is not a DNS-1123 label`,
            fix: "use lower-case letters, digits and '-'",
          });
    }
    for (const item of ctx.ofKind('CronJob')) {
      const name = String(item.object.metadata?.name ?? '');
      if (name.length > CRONJOB_NAME_MAX)
        yield v(item, {
          path: ['metadata', 'name'],
          found: `CronJob name has ${name.length} characters`,
          fix: `use at most ${CRONJOB_NAME_MAX}: the Jobs it creates append 11`,
        });
      const zone = item.object.spec?.timeZone;
      const zoneProblem = typeof zone === 'string' ? timeZoneProblem(zone) : undefined;
      if (zoneProblem)
        yield v(item, {
          path: ['spec', 'timeZone'],
          found: `timeZone ${show(zone)} ${zoneProblem}`,
          fix: 'use an IANA time zone name such as Europe/Paris or Etc/UTC',
        });
    }
    for (const item of ctx.ofKind('Ingress')) for (const x of ingressNameProblems(asRecord(item.object.spec))) yield v(item, x);
    for (const item of ctx.ofKind('StatefulSet')) {
      // ValidateStatefulSetSpec: a given serviceName is a DNS-1123 label (the governing Service).
      const name = item.object.spec?.serviceName;
      if (typeof name === 'string' && name !== '' && !DNS_LABEL.test(name))
        yield v(item, {
          path: ['spec', 'serviceName'],
          found: `serviceName ${show(name)} is not a DNS-1123 label`,
          fix: 'name the headless Service that governs the set',
        });
    }
    for (const kind of ['RoleBinding', 'ClusterRoleBinding'])
      for (const item of ctx.ofKind(kind)) {
        // ValidateRoleBinding: roleRef.name is an RBAC name (a path segment).
        const role = asRecord(item.object.roleRef).name;
        const roleProblem = typeof role === 'string' && role !== '' ? pathSegmentNameProblem(role) : undefined;
        if (roleProblem)
          yield v(item, { path: ['roleRef', 'name'], found: `roleRef.name ${show(role)} ${roleProblem}`, fix: 'name the role it binds' });
        for (const [i, s] of asArray(item.object.subjects).entries()) {
          // ValidateRoleBindingSubject: a ServiceAccount subject's name is a ServiceAccount name.
          const problem =
            s.kind === 'ServiceAccount' && typeof s.name === 'string' && s.name !== '' ? dnsSubdomainProblem(s.name) : undefined;
          if (problem)
            yield v(item, {
              path: ['subjects', i, 'name'],
              found: `ServiceAccount subject ${show(s.name)} ${problem}`,
              fix: 'name a ServiceAccount (a DNS-1123 subdomain)',
            });
        }
      }
    for (const [item, path] of claimSpecs(ctx)) {
      const cls = asRecord(getIn(item.object, path)).storageClassName;
      // An empty storageClassName asks for no class; a given one names a StorageClass.
      const problem = typeof cls === 'string' && cls !== '' ? dnsSubdomainProblem(cls) : undefined;
      if (problem)
        yield v(item, {
          path: [...path, 'storageClassName'],
          found: `storageClassName ${show(cls)} ${problem}`,
          fix: 'name a StorageClass (a DNS-1123 subdomain)',
        });
    }
    for (const item of ctx.ofKind('Job')) {
      const name = String(item.object.metadata?.name ?? '');
      if (name.length > 63)
        yield v(item, {
          path: ['metadata', 'name'],
          found: `Job name has ${name.length} characters`,
          fix: 'use at most 63: the name becomes the job-name label of its pods',
        });
    }
    for (const item of ctx.ofKind('ConfigMap'))
      for (const field of ['data', 'binaryData'])
        for (const key of Object.keys(asRecord(item.object[field]))) {
          const problem = configKeyProblem(key);
          if (problem)
            yield v(item, {
              path: [field, key],
              found: `ConfigMap key ${show(key)} ${problem}`,
              fix: "use letters, digits, '-', '_' and '.' in keys",
            });
        }
    for (const w of ctx.workloads) {
      for (const c of w.containers) {
        if (typeof c.container.name === 'string' && !DNS_LABEL.test(c.container.name))
          yield v(w.item, {
            path: [...c.path, 'name'],
            found: `container name ${show(c.container.name)} is not a DNS-1123 label`,
            fix: "use lower-case letters, digits and '-', at most 63",
          });
        for (const x of containerReferenceProblems(c)) yield v(w.item, x);
        for (const [i, p] of asArray(c.container.ports).entries()) {
          // An empty name is no name: the server validates a port name only when one is given.
          const problem = typeof p.name === 'string' && p.name !== '' ? ianaServiceNameProblem(p.name) : undefined;
          if (problem)
            yield v(w.item, {
              path: [...c.path, 'ports', i, 'name'],
              found: `port name ${show(p.name)} ${problem}`,
              fix: 'use an IANA service name: at most 15 lower-case letters, digits and -, with a letter',
            });
        }
      }
      // Topology keys of (anti-)affinity terms are label keys (qualified names).
      for (const [key, path] of topologyKeys(w)) {
        const problem = typeof key === 'string' ? labelKeyProblem(key) : undefined;
        if (problem)
          yield v(w.item, {
            path,
            found: `topologyKey ${show(key)} ${problem}`,
            fix: 'use a node label key such as topology.kubernetes.io/zone',
          });
      }
      // ValidatePodSpec: the ServiceAccount a pod runs as is named as ServiceAccounts are.
      for (const field of ['serviceAccountName', 'serviceAccount']) {
        const sa = w.podSpec[field];
        const problem = typeof sa === 'string' && sa !== '' ? dnsSubdomainProblem(sa) : undefined;
        if (problem)
          yield v(w.item, {
            path: [...w.podSpecPath, field],
            found: `${field} ${show(sa)} ${problem}`,
            fix: 'name a ServiceAccount (a DNS-1123 subdomain)',
          });
      }
      for (const [i, vol] of asArray(w.podSpec.volumes).entries())
        if (typeof vol.name === 'string' && !DNS_LABEL.test(vol.name))
          yield v(w.item, {
            path: [...w.podSpecPath, 'volumes', i, 'name'],
            found: `volume name ${show(vol.name)} is not a DNS-1123 label`,
            fix: "use lower-case letters, digits and '-' (no dots)",
          });
    }
  },
};

const VOLUME_META = new Set(['name']);
const crossField = workloadRule(
  {
    id: 'cross-field',
    severity: 'error',
    description:
      'fields that exclude or require each other: privileged or CAP_SYS_ADMIN beside allowPrivilegeEscalation: false, selector vs template labels, strategy, restartPolicy, progress deadline, env value and valueFrom, one source per volume, mounts of declared volumes, liveness/startup successThreshold 1, HPA maxReplicas >= minReplicas, one of PDB minAvailable/maxUnavailable, no nodePort on ClusterIP, clusterIP None or an IP, tolerations, minDomains, absolute Ingress paths, no TZ in a CronJob schedule, NetworkPolicy policyTypes and ipBlock CIDRs',
    source: SOURCE,
  },
  function* (w) {
    for (const c of w.containers) {
      const s = sc(c);
      if (s.allowPrivilegeEscalation === false) {
        if (s.privileged === true)
          yield {
            path: [...c.path, 'securityContext'],
            found: `container ${c.name}: privileged: true beside allowPrivilegeEscalation: false`,
            fix: 'a privileged container always escalates: drop privileged',
          };
        const add = asRecord(s.capabilities).add;
        if (Array.isArray(add) && add.includes('CAP_SYS_ADMIN'))
          yield {
            path: [...c.path, 'securityContext', 'capabilities', 'add'],
            found: `container ${c.name}: CAP_SYS_ADMIN beside allowPrivilegeEscalation: false`,
            fix: 'CAP_SYS_ADMIN allows escalation: do not add it',
          };
      }
      for (const [i, e] of asArray(c.container.env).entries())
        if (typeof e.value === 'string' && e.value !== '' && e.valueFrom !== undefined)
          yield {
            path: [...c.path, 'env', i],
            found: `env ${show(e.name)} has both value and valueFrom`,
            fix: 'keep one of value and valueFrom',
          };
      for (const [i, e] of asArray(c.container.envFrom).entries()) {
        const sources = ['configMapRef', 'secretRef'].filter((k) => e[k] !== undefined);
        if (sources.length !== 1)
          yield {
            path: [...c.path, 'envFrom', i],
            found: `container ${c.name}: an envFrom entry with ${sources.length === 0 ? 'neither configMapRef nor secretRef' : 'both configMapRef and secretRef'}`,
            fix: 'give each envFrom entry exactly one of configMapRef and secretRef',
          };
      }
      // A StatefulSet's claim templates become volumes of its pods.
      const claims =
        w.kind === 'StatefulSet' ? asArray(w.item.object.spec?.volumeClaimTemplates).map((t) => asRecord(t.metadata).name) : [];
      const volumes = new Set([...asArray(w.podSpec.volumes).map((v) => v.name), ...claims]);
      for (const [i, m] of asArray(c.container.volumeMounts).entries())
        if (!volumes.has(m.name))
          yield {
            path: [...c.path, 'volumeMounts', i, 'name'],
            found: `container ${c.name} mounts ${show(m.name)}, which is no volume of the pod`,
            fix: 'declare the volume in the pod spec or fix the mount name',
          };
      for (const probe of ['livenessProbe', 'startupProbe']) {
        const t = asRecord(c.container[probe]).successThreshold;
        // 0 and null are unset: defaulting makes it 1 (SetDefaults_Probe).
        if (t !== undefined && t !== null && t !== 1 && t !== 0)
          yield {
            path: [...c.path, probe, 'successThreshold'],
            found: `container ${c.name}: ${probe}.successThreshold is ${show(t)}`,
            fix: 'use 1 (or leave it unset)',
          };
      }
    }
    for (const [i, v] of asArray(w.podSpec.volumes).entries()) {
      const sources = Object.keys(v).filter((k) => !VOLUME_META.has(k));
      if (sources.length > 1)
        yield {
          path: [...w.podSpecPath, 'volumes', i],
          found: `volume ${show(v.name)} has ${sources.length} sources (${sources.join(', ')})`,
          fix: 'give each volume one source',
        };
    }
    for (const [i, t] of asArray(w.podSpec.tolerations).entries())
      if (t.operator === 'Exists' && t.value !== undefined && t.value !== '')
        yield {
          path: [...w.podSpecPath, 'tolerations', i, 'value'],
          found: `toleration ${show(t.key)} has operator Exists and value ${show(t.value)}`,
          fix: 'remove the value, or use operator Equal',
        };
    for (const [i, t] of asArray(w.podSpec.topologySpreadConstraints).entries())
      if (t.minDomains !== undefined && t.whenUnsatisfiable !== 'DoNotSchedule')
        yield {
          path: [...w.podSpecPath, 'topologySpreadConstraints', i, 'minDomains'],
          found: `minDomains on a ${show(t.whenUnsatisfiable)} constraint`,
          fix: 'use minDomains only with whenUnsatisfiable: DoNotSchedule',
        };
    const restart = w.podSpec.restartPolicy;
    if (APPS_KINDS.includes(w.kind) && restart !== undefined && restart !== 'Always')
      yield {
        path: [...w.podSpecPath, 'restartPolicy'],
        found: `a ${w.kind} template with restartPolicy ${show(restart)}`,
        fix: 'use Always (or leave it unset)',
      };
    if (w.batch && restart !== 'OnFailure' && restart !== 'Never')
      yield {
        path: [...w.podSpecPath, 'restartPolicy'],
        found: `a ${w.kind} pod template with restartPolicy ${restart === undefined ? 'unset' : show(restart)}`,
        fix: 'set restartPolicy: OnFailure or Never',
      };
    const spec = asRecord(w.item.object.spec);
    if (APPS_KINDS.includes(w.kind)) {
      const sel = spec.selector;
      if (!isObject(sel) || (Object.keys(asRecord(sel.matchLabels)).length === 0 && asArray(sel.matchExpressions).length === 0))
        yield { path: ['spec', 'selector'], found: `a ${w.kind} with an empty selector`, fix: 'select the template labels' };
      else if (!selectorMatches(sel, w.podLabels))
        yield {
          path: [...w.templatePath, 'metadata', 'labels'],
          found: `the ${w.kind} selector does not match its template labels`,
          fix: 'make the template labels satisfy spec.selector',
        };
    }
    if (w.kind === 'Deployment') {
      const strategy = asRecord(spec.strategy);
      if (strategy.type === 'Recreate' && strategy.rollingUpdate !== undefined)
        yield {
          path: ['spec', 'strategy', 'rollingUpdate'],
          found: 'rollingUpdate given with strategy Recreate',
          fix: 'remove rollingUpdate, or use type RollingUpdate',
        };
      const ru = asRecord(strategy.rollingUpdate);
      const zero = (x: unknown) => x === 0 || x === '0%';
      if (strategy.type !== 'Recreate' && zero(ru.maxSurge) && zero(ru.maxUnavailable))
        yield {
          path: ['spec', 'strategy', 'rollingUpdate'],
          found: 'maxSurge and maxUnavailable are both 0',
          fix: 'let one be at least 1: otherwise no rollout can progress',
        };
      const deadline = typeof spec.progressDeadlineSeconds === 'number' ? spec.progressDeadlineSeconds : 600;
      const minReady = typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0;
      if (deadline <= minReady)
        yield {
          path: ['spec', 'progressDeadlineSeconds'],
          found: `progressDeadlineSeconds ${deadline} is not above minReadySeconds ${minReady}`,
          fix: 'make progressDeadlineSeconds longer than minReadySeconds',
        };
    }
  },
);

const crossFieldObjects = kindRule(
  { id: 'cross-field', severity: 'error', description: '', source: SOURCE },
  ['HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service', 'Ingress', 'CronJob', 'NetworkPolicy'],
  function* (item) {
    const spec = asRecord(item.object.spec);
    if (item.object.kind === 'NetworkPolicy') {
      // ValidateNetworkPolicyPeer: an ipBlock's cidr and excepts are CIDRs.
      for (const [dir, peers] of [
        ['ingress', 'from'],
        ['egress', 'to'],
      ] as const)
        for (const [i, r] of asArray(spec[dir]).entries())
          for (const [j, peer] of asArray(r[peers]).entries()) {
            if (!isObject(peer.ipBlock)) continue;
            const block = peer.ipBlock;
            const cidrs: [unknown, FieldPath][] = [
              [block.cidr, ['spec', dir, i, peers, j, 'ipBlock', 'cidr']],
              ...(Array.isArray(block.except) ? (block.except as unknown[]) : []).map(
                (x, k) => [x, ['spec', dir, i, peers, j, 'ipBlock', 'except', k]] as [unknown, FieldPath],
              ),
            ];
            for (const [cidr, path] of cidrs)
              if (typeof cidr === 'string' && !isCidr(cidr))
                yield { path, found: `ipBlock CIDR ${show(cidr)} is not a CIDR`, fix: 'use a CIDR such as 10.0.0.0/16 or 2001:db8::/64' };
          }
      // ValidateNetworkPolicySpec: at most two policy types, each Ingress or Egress (a repeat within two is taken).
      const types = Array.isArray(spec.policyTypes) ? (spec.policyTypes as unknown[]) : [];
      if (types.length > 2)
        yield {
          path: ['spec', 'policyTypes'],
          found: `${types.length} policyTypes ${show(types)}`,
          fix: 'list Ingress, Egress or both, once each',
        };
      else
        for (const [i, t] of types.entries())
          if (t !== 'Ingress' && t !== 'Egress')
            yield { path: ['spec', 'policyTypes', i], found: `policy type ${show(t)}`, fix: 'use Ingress or Egress' };
      return;
    }
    if (item.object.kind === 'CronJob') {
      if (typeof spec.schedule === 'string' && spec.schedule.includes('TZ'))
        yield {
          path: ['spec', 'schedule'],
          found: `schedule ${show(spec.schedule)} sets TZ or CRON_TZ`,
          fix: 'move the time zone to spec.timeZone',
        };
      return;
    }
    if (item.object.kind === 'Ingress') {
      for (const [i, rule] of asArray(spec.rules).entries())
        for (const [j, p] of asArray(asRecord(rule.http).paths).entries()) {
          const problem = ingressPathProblem(p);
          if (problem)
            yield {
              path: ['spec', 'rules', i, 'http', 'paths', j, 'path'],
              found: problem,
              fix: "write an absolute path without '//', '/./' or '/../' (only an ImplementationSpecific path may be empty)",
            };
        }
      return;
    }
    if (item.object.kind === 'HorizontalPodAutoscaler') {
      const min = typeof spec.minReplicas === 'number' ? spec.minReplicas : 1;
      if (typeof spec.maxReplicas === 'number' && spec.maxReplicas < min)
        yield {
          path: ['spec', 'maxReplicas'],
          found: `maxReplicas ${spec.maxReplicas} is below minReplicas ${min}`,
          fix: 'make maxReplicas at least minReplicas',
        };
    } else if (item.object.kind === 'PodDisruptionBudget') {
      if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined)
        yield { path: ['spec'], found: 'both minAvailable and maxUnavailable are set', fix: 'keep one of them' };
    } else {
      // ValidateService: a clusterIP is empty (allocated), None (headless) or an IP address.
      for (const [ip, path] of [
        [spec.clusterIP, ['spec', 'clusterIP']],
        ...(Array.isArray(spec.clusterIPs) ? (spec.clusterIPs as unknown[]) : []).map((x, i) => [x, ['spec', 'clusterIPs', i]] as const),
      ] as [unknown, FieldPath][])
        if (typeof ip === 'string' && ip !== '' && ip !== 'None' && !isSloppyIPv4(ip) && !isIPv6(ip))
          yield {
            path,
            found: `clusterIP ${show(ip)} is neither None nor an IP address`,
            fix: 'leave it unset, or use None or an IP address',
          };
      const type = spec.type ?? 'ClusterIP';
      if (type === 'ClusterIP')
        for (const [i, p] of asArray(spec.ports).entries())
          if (p.nodePort !== undefined && p.nodePort !== 0)
            yield {
              path: ['spec', 'ports', i, 'nodePort'],
              found: `nodePort ${show(p.nodePort)} on a ClusterIP Service`,
              fix: 'remove nodePort, or use type NodePort',
            };
    }
  },
);

/** A CIDR as netutils.ParseCIDRSloppy takes it: an IPv4 address (leading zeros allowed) or IPv6 address, and a prefix length. */
function isCidr(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  const [ip, bits] = [value.slice(0, slash), value.slice(slash + 1)];
  if (!/^[0-9]{1,3}$/.test(bits)) return false;
  if (isSloppyIPv4(ip)) return Number(bits) <= 32;
  return isIPv6(ip) && !ip.includes('%') && Number(bits) <= 128;
}

const inRange = (p: unknown) => typeof p !== 'number' || (p >= 1 && p <= 65535);
function* handlerProblems(handler: unknown, path: FieldPath, what: string, handlers: readonly string[]): Iterable<Violation> {
  const h = asRecord(handler);
  const set = handlers.filter((k) => h[k] !== undefined);
  if (set.length === 0) yield { path, found: `${what} has no handler`, fix: `give it one of ${handlers.join(', ')}` };
  if (set.length > 1) yield { path, found: `${what} has ${set.length} handlers (${set.join(', ')})`, fix: 'keep exactly one handler' };
  for (const k of ['httpGet', 'tcpSocket', 'grpc']) {
    const port = asRecord(h[k]).port;
    if (typeof port === 'number' && !inRange(port))
      yield { path: [...path, k, 'port'], found: `${what} ${k} port ${port}`, fix: 'use a port between 1 and 65535' };
    if (typeof port === 'string') {
      const problem = ianaServiceNameProblem(port);
      if (problem && !/^\d+$/.test(port))
        yield {
          path: [...path, k, 'port'],
          found: `${what} ${k} port name ${show(port)} ${problem}`,
          fix: 'name a container port (an IANA service name)',
        };
    }
  }
}

/** A NetworkPolicy's ports: a number within 1-65535 or a port name, and an endPort at or above a numeric port. */
function* networkPolicyPortProblems(spec: Record<string, unknown>): Iterable<Violation> {
  for (const dir of ['ingress', 'egress'])
    for (const [i, r] of asArray(spec[dir]).entries())
      for (const [j, p] of asArray(r.ports).entries()) {
        const path = ['spec', dir, i, 'ports', j];
        if (typeof p.port === 'number' && !inRange(p.port))
          yield { path: [...path, 'port'], found: `NetworkPolicy port ${p.port}`, fix: 'use a port between 1 and 65535' };
        const nameProblem = typeof p.port === 'string' ? ianaServiceNameProblem(p.port) : undefined;
        if (nameProblem)
          yield {
            path: [...path, 'port'],
            found: `NetworkPolicy port name ${show(p.port)} ${nameProblem}`,
            fix: 'name a container port (an IANA service name)',
          };
        if (p.endPort === undefined) continue;
        if (typeof p.port !== 'number')
          yield {
            path: [...path, 'endPort'],
            found: `endPort beside a ${p.port === undefined ? 'missing' : 'named'} port`,
            fix: 'give a numeric port with endPort',
          };
        else if (typeof p.endPort === 'number' && (p.endPort < p.port || !inRange(p.endPort)))
          yield {
            path: [...path, 'endPort'],
            found: `endPort ${p.endPort} with port ${p.port}`,
            fix: 'use an endPort between port and 65535',
          };
      }
}

const portAndHandler: Rule = {
  id: 'port-and-handler',
  severity: 'error',
  description:
    'ports are within 1-65535, named ports are IANA service names, Services with several ports name each, probes and lifecycle hooks have exactly one handler',
  source: SOURCE,
  *check(ctx) {
    for (const w of ctx.workloads)
      for (const c of w.containers) {
        for (const [i, p] of asArray(c.container.ports).entries())
          for (const field of ['containerPort', 'hostPort'])
            if (!(field === 'hostPort' && (p[field] === undefined || p[field] === 0)) && !inRange(p[field]))
              yield {
                item: w.item,
                path: [...c.path, 'ports', i, field],
                found: `container ${c.name}: ${field} ${show(p[field])}`,
                fix: 'use a port between 1 and 65535',
              };
        for (const probe of PROBES)
          if (c.container[probe] !== undefined)
            for (const x of handlerProblems(c.container[probe], [...c.path, probe], `${c.name}'s ${probe}`, PROBE_HANDLERS))
              yield { ...x, item: w.item };
        for (const hook of ['postStart', 'preStop']) {
          const lifecycle = asRecord(c.container.lifecycle);
          if (lifecycle[hook] !== undefined)
            for (const x of handlerProblems(lifecycle[hook], [...c.path, 'lifecycle', hook], `${c.name}'s ${hook} hook`, HOOK_HANDLERS))
              yield { ...x, item: w.item };
        }
      }
    for (const item of ctx.ofKind('NetworkPolicy'))
      for (const x of networkPolicyPortProblems(asRecord(item.object.spec))) yield { ...x, item };
    for (const item of ctx.ofKind('Service')) {
      const spec = asRecord(item.object.spec);
      const ports = asArray(spec.ports);
      if (ports.length === 0 && spec.type !== 'ExternalName' && spec.clusterIP !== 'None')
        yield { item, path: ['spec', 'ports'], found: 'a Service without ports', fix: 'list the ports it serves' };
      for (const [i, p] of ports.entries()) {
        if (ports.length > 1 && (typeof p.name !== 'string' || p.name === ''))
          yield {
            item,
            path: ['spec', 'ports', i, 'name'],
            found: `port ${show(p.port)} has no name, and the Service has ${ports.length} ports`,
            fix: 'name every port of a Service that has more than one',
          };
        for (const field of ['port', 'nodePort'])
          if (!(field === 'nodePort' && (p[field] === undefined || p[field] === 0)) && !inRange(p[field]))
            yield { item, path: ['spec', 'ports', i, field], found: `${field} ${show(p[field])}`, fix: 'use a port between 1 and 65535' };
        const t = p.targetPort;
        if (typeof t === 'number' && t !== 0 && !inRange(t))
          yield { item, path: ['spec', 'ports', i, 'targetPort'], found: `targetPort ${t}`, fix: 'use a port between 1 and 65535' };
        // "" is unset, as 0 is: defaulting makes the targetPort the port (SetDefaults_Service).
        if (typeof t === 'string' && t !== '' && !/^\d+$/.test(t) && ianaServiceNameProblem(t))
          yield {
            item,
            path: ['spec', 'ports', i, 'targetPort'],
            found: `targetPort name ${show(t)} ${ianaServiceNameProblem(t)}`,
            fix: 'name a container port (an IANA service name)',
          };
      }
    }
  },
};

const requestsWithinLimits = workloadRule(
  {
    id: 'requests-within-limits',
    severity: 'error',
    description: 'every request is at most its limit, no quantity is negative, and resource names are standard or domain-qualified',
    source: SOURCE,
  },
  function* (w) {
    for (const c of w.containers) {
      const resources = asRecord(c.container.resources);
      const requests = asRecord(resources.requests);
      const limits = asRecord(resources.limits);
      for (const [section, values] of [
        ['requests', requests],
        ['limits', limits],
      ] as const)
        for (const [name, q] of Object.entries(values)) {
          const path = [...c.path, 'resources', section, name];
          if (!isContainerResourceName(name))
            yield {
              path,
              found: `container ${c.name}: resource ${show(name)} is not a container resource`,
              fix: 'use cpu, memory, ephemeral-storage, hugepages-<size>, or a domain-qualified extended resource',
            };
          const value = quantityValue(q);
          if (value !== undefined && value < 0)
            yield { path, found: `container ${c.name}: ${section}.${name} is ${show(q)}`, fix: 'use a quantity of 0 or more' };
        }
      for (const [name, q] of Object.entries(requests)) {
        const request = quantityValue(q);
        const limit = quantityValue(limits[name]);
        if (request !== undefined && limit !== undefined && request > limit)
          yield {
            path: [...c.path, 'resources', 'requests', name],
            found: `container ${c.name}: ${name} request ${show(q)} is above its limit ${show(limits[name])}`,
            fix: `request at most the limit, or raise the limit`,
          };
      }
    }
  },
);

const SELECTOR_KINDS = [...APPS_KINDS, 'Job', 'PodDisruptionBudget'];
const selectorSyntax: Rule = {
  id: 'selector-syntax',
  severity: 'error',
  description:
    'label selectors are well formed (operators, values for In/NotIn only, valid keys and values), as are Service selectors and nodeSelectors',
  source: SOURCE,
  *check(ctx) {
    for (const kind of SELECTOR_KINDS)
      for (const item of ctx.ofKind(kind))
        for (const v of labelSelectorProblems(item.object.spec?.selector, ['spec', 'selector'])) yield { ...v, item };
    for (const item of ctx.ofKind('NetworkPolicy')) {
      const spec = asRecord(item.object.spec);
      for (const v of labelSelectorProblems(spec.podSelector, ['spec', 'podSelector'])) yield { ...v, item };
      for (const [dir, peers] of [
        ['ingress', 'from'],
        ['egress', 'to'],
      ] as const)
        for (const [i, r] of asArray(spec[dir]).entries())
          for (const [j, peer] of asArray(r[peers]).entries())
            for (const s of ['podSelector', 'namespaceSelector'])
              for (const v of labelSelectorProblems(peer[s], ['spec', dir, i, peers, j, s])) yield { ...v, item };
    }
    for (const item of ctx.ofKind('Service'))
      for (const v of mapSelectorProblems(item.object.spec?.selector, ['spec', 'selector'], 'Service selector')) yield { ...v, item };
    for (const w of ctx.workloads) {
      for (const [sel, path] of podSpecSelectors(w)) for (const v of labelSelectorProblems(sel, path)) yield { ...v, item: w.item };
      for (const v of mapSelectorProblems(w.podSpec.nodeSelector, [...w.podSpecPath, 'nodeSelector'], 'nodeSelector'))
        yield { ...v, item: w.item };
    }
  },
};

const duplicateName: Rule = {
  id: 'duplicate-name',
  severity: 'error',
  description:
    'no duplicate inside one object: container, volume, port and env names, mount paths, Service ports, spread constraints, ConfigMap keys (validation, and server-side apply list keys)',
  source: `${SOURCE}; server-side apply`,
  *check(ctx) {
    const fixName = 'give each entry its own name';
    for (const w of ctx.workloads) {
      const yieldAll = function* (vs: Iterable<Violation>) {
        for (const v of vs) yield { ...v, item: w.item };
      };
      yield* yieldAll(
        duplicates(
          w.containers.map((c) => [c.container.name, [...c.path, 'name']] as [unknown, FieldPath]),
          (n) => `container name ${show(n)}`,
          fixName,
        ),
      );
      yield* yieldAll(duplicates(namedEntries(w.podSpec.volumes, [...w.podSpecPath, 'volumes']), (n) => `volume name ${show(n)}`, fixName));
      yield* yieldAll(
        duplicates(
          asArray(w.podSpec.topologySpreadConstraints).map(
            (t, i) =>
              [
                [t.topologyKey, t.whenUnsatisfiable],
                [...w.podSpecPath, 'topologySpreadConstraints', i],
              ] as [unknown, FieldPath],
          ),
          (k) => `topology spread constraint on ${show(k)}`,
          'merge constraints that share topologyKey and whenUnsatisfiable',
        ),
      );
      for (const c of w.containers) {
        yield* yieldAll(
          duplicates(namedEntries(c.container.ports, [...c.path, 'ports']), (n) => `container ${c.name}: port name ${show(n)}`, fixName),
        );
        yield* yieldAll(
          duplicates(
            asArray(c.container.ports).map(
              (p, i) =>
                [
                  [p.containerPort, p.protocol ?? 'TCP'],
                  [...c.path, 'ports', i],
                ] as [unknown, FieldPath],
            ),
            (k) => `container ${c.name}: port and protocol ${show(k)}`,
            'declare each port and protocol once',
          ),
        );
        yield* yieldAll(
          duplicates(
            namedEntries(c.container.env, [...c.path, 'env']),
            (n) => `container ${c.name}: env ${show(n)}`,
            'set each variable once (server-side apply refuses duplicates)',
          ),
        );
        yield* yieldAll(
          duplicates(
            namedEntries(c.container.volumeMounts, [...c.path, 'volumeMounts'], 'mountPath'),
            (n) => `container ${c.name}: mountPath ${show(n)}`,
            'mount one volume per path',
          ),
        );
      }
    }
    for (const item of ctx.ofKind('Service')) {
      const ports = asArray(item.object.spec?.ports);
      for (const v of duplicates(namedEntries(ports, ['spec', 'ports']), (n) => `Service port name ${show(n)}`, fixName))
        yield { ...v, item };
      for (const v of duplicates(
        ports.map(
          (p, i) =>
            [
              [p.port, p.protocol ?? 'TCP'],
              ['spec', 'ports', i],
            ] as [unknown, FieldPath],
        ),
        (k) => `Service port and protocol ${show(k)}`,
        'declare each port and protocol once',
      ))
        yield { ...v, item };
    }
    for (const item of ctx.ofKind('ConfigMap')) {
      const data = asRecord(item.object.data);
      for (const key of Object.keys(asRecord(item.object.binaryData)))
        if (key in data)
          yield {
            item,
            path: ['binaryData', key],
            found: `key ${show(key)} is in both data and binaryData`,
            fix: 'keep the key in one of them',
          };
    }
  },
};

const secretTypeKeys = kindRule(
  {
    id: 'secret-type-keys',
    severity: 'error',
    description:
      'Secret keys are valid, and typed Secrets hold the keys their type needs (tls, basic-auth, ssh-auth, dockercfg, dockerconfigjson, service-account-token)',
    source: SOURCE,
  },
  ['Secret'],
  secretTypeProblems,
);

/**
 * A CronJob schedule as the API server's parser (robfig/cron's standard parser) takes it. The
 * server also takes `@every <duration>`, so this rule does too; TaskNote's own environment
 * config refuses it on purpose (core/value-rules.ts checkCron).
 */
const cronSchedule = kindRule(
  {
    id: 'cron-schedule',
    severity: 'error',
    description: "a CronJob's schedule is one the API server's cron parser takes (five fields or a descriptor, no TZ)",
    source: SOURCE,
  },
  ['CronJob'],
  function* (item) {
    const schedule = asRecord(item.object.spec).schedule;
    // TZ in the schedule is `cross-field`'s finding (the timeZone field holds the zone).
    if (typeof schedule !== 'string' || /^@every \S+$/.test(schedule) || /^(CRON_)?TZ=/.test(schedule)) return;
    const problem = standardCronError(schedule);
    if (problem)
      yield {
        path: ['spec', 'schedule'],
        found: `schedule ${show(schedule)}: ${problem}`,
        fix: "write 'minute hour day-of-month month day-of-week' (such as '0 6 * * *') or a descriptor such as @daily",
      };
  },
);

/**
 * The API server's validation rules (every rule whose findings claim the server would refuse the
 * object, beside the schema pass's); `cross-field` is one rule built of two passes.
 */
export const API_VALIDATION_RULES: Rule[] = [
  namePerKind,
  {
    ...crossField,
    *check(ctx) {
      yield* crossField.check(ctx);
      yield* crossFieldObjects.check(ctx);
    },
  },
  cronSchedule,
  portAndHandler,
  requestsWithinLimits,
  selectorSyntax,
  duplicateName,
  secretTypeKeys,
  valueRange,
  autoscalerSpec,
];
