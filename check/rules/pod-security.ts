// Pod security: the Pod Security Standards "restricted" profile plus kube-score's UID rule,
// checked on every container, init and ephemeral containers included.
import { asArray, asRecord, type Container, type Workload } from '../model';
import { workloadRule, type Rule } from '../rule';
import type { FieldPath, Violation } from '../types';

/** A securityContext field as it takes effect: the container's value wins over the pod's. */
function effective(w: Workload, c: Container, field: string): { value: unknown; path: FieldPath } {
  const own = asRecord(c.container.securityContext)[field];
  if (own !== undefined) return { value: own, path: [...c.path, 'securityContext', field] };
  const pod = asRecord(w.podSpec.securityContext)[field];
  if (pod !== undefined) return { value: pod, path: [...w.podSpecPath, 'securityContext', field] };
  return { value: undefined, path: [...c.path, 'securityContext', field] };
}

const scPath = (c: Container, ...rest: string[]): FieldPath => [...c.path, 'securityContext', ...rest];

function* eachContainer(w: Workload, f: (c: Container) => Violation | undefined): Iterable<Violation> {
  for (const c of w.containers) {
    const v = f(c);
    if (v) yield v;
  }
}

export const MIN_UID = 10000;

export const POD_SECURITY_RULES: Rule[] = [
  workloadRule(
    {
      id: 'run-as-non-root',
      severity: 'error',
      description: 'every container runs with runAsNonRoot: true, and none with runAsUser 0',
      source: 'PSS-R, KS, PO, KL, CK_K8S_23',
    },
    (w) => [
      // Restricted refuses a pod-level runAsUser 0, or runAsNonRoot false, even where every
      // container sets its own.
      ...(asRecord(w.podSpec.securityContext).runAsUser === 0 &&
      w.containers.every((c) => asRecord(c.container.securityContext).runAsUser !== undefined)
        ? [
            {
              path: [...w.podSpecPath, 'securityContext', 'runAsUser'],
              found: 'the pod sets runAsUser 0 (root)',
              fix: 'run as the non-zero UID the image runs as',
            },
          ]
        : []),
      ...(asRecord(w.podSpec.securityContext).runAsNonRoot === false &&
      w.containers.every((c) => asRecord(c.container.securityContext).runAsNonRoot !== undefined)
        ? [
            {
              path: [...w.podSpecPath, 'securityContext', 'runAsNonRoot'],
              found: 'the pod sets runAsNonRoot false',
              fix: 'set runAsNonRoot: true on the pod, or leave it to the containers',
            },
          ]
        : []),
      ...eachContainer(w, (c) => {
        // Restricted's two non-root controls: runAsNonRoot, and no runAsUser 0 (check_runAsUser.go).
        const user = effective(w, c, 'runAsUser');
        if (user.value === 0)
          return {
            path: user.path,
            found: `container ${c.name}: runAsUser is 0 (root)`,
            fix: 'run as the non-zero UID the image runs as',
          };
        const { value, path } = effective(w, c, 'runAsNonRoot');
        if (value === true) return undefined;
        return {
          path,
          found: `container ${c.name}: runAsNonRoot is ${value === undefined ? 'not set' : String(value)}`,
          fix: 'set securityContext.runAsNonRoot: true on the pod or the container',
        };
      }),
    ],
  ),
  workloadRule(
    { id: 'run-as-user', severity: 'error', description: 'every container has a numeric, non-zero runAsUser', source: 'PSS-R, CK_K8S_40' },
    (w) =>
      eachContainer(w, (c) => {
        const { value, path } = effective(w, c, 'runAsUser');
        if (typeof value === 'number' && value > 0) return undefined;
        return {
          path,
          found: `container ${c.name}: runAsUser is ${value === undefined ? 'not set (the image decides, possibly root)' : String(value)}`,
          fix: 'set securityContext.runAsUser to the non-zero UID the image runs as',
        };
      }),
  ),
  workloadRule(
    { id: 'high-uid', severity: 'error', description: `runAsUser and runAsGroup are >= ${MIN_UID}, clear of host users`, source: 'KS' },
    function* (w) {
      for (const c of w.containers) {
        for (const field of ['runAsUser', 'runAsGroup']) {
          const { value, path } = effective(w, c, field);
          // An unset runAsGroup runs with the image's group, root (0) for most images; an unset
          // runAsUser is run-as-user's finding.
          if (value === undefined && field === 'runAsGroup') {
            yield {
              path,
              found: `container ${c.name}: runAsGroup is not set (the image's group applies, usually root)`,
              fix: `set securityContext.runAsGroup to an ID >= ${MIN_UID} on the pod or the container`,
            };
          } else if (typeof value === 'number' && value < MIN_UID) {
            yield {
              path,
              found: `container ${c.name}: ${field} is ${value}`,
              fix: `use an ID >= ${MIN_UID}, or waive with the reason the image needs this ID`,
            };
          }
        }
      }
    },
  ),
  workloadRule(
    {
      id: 'allow-privilege-escalation',
      severity: 'error',
      description: 'every container sets allowPrivilegeEscalation: false',
      source: 'PSS-R, PO, KL, CK_K8S_20',
    },
    (w) =>
      eachContainer(w, (c) => {
        const value = asRecord(c.container.securityContext).allowPrivilegeEscalation;
        if (value === false) return undefined;
        return {
          path: scPath(c, 'allowPrivilegeEscalation'),
          found: `container ${c.name}: allowPrivilegeEscalation is ${value === undefined ? 'not set (defaults to true)' : String(value)}`,
          fix: 'set securityContext.allowPrivilegeEscalation: false',
        };
      }),
  ),
  workloadRule(
    {
      id: 'drop-all-capabilities',
      severity: 'error',
      description: 'every container drops ALL capabilities',
      source: 'PSS-R, PO, CK_K8S_37',
    },
    (w) =>
      eachContainer(w, (c) => {
        const drop = asRecord(asRecord(c.container.securityContext).capabilities).drop;
        if (Array.isArray(drop) && drop.includes('ALL')) return undefined;
        return {
          path: scPath(c, 'capabilities', 'drop'),
          found: `container ${c.name}: capabilities.drop is ${drop === undefined ? 'not set' : JSON.stringify(drop)}`,
          fix: 'set securityContext.capabilities.drop: [ALL]',
        };
      }),
  ),
  workloadRule(
    {
      id: 'added-capabilities',
      severity: 'error',
      description: 'no capability is added except NET_BIND_SERVICE',
      source: 'PSS-R, CK_K8S_28',
    },
    (w) =>
      eachContainer(w, (c) => {
        const add = asRecord(asRecord(c.container.securityContext).capabilities).add;
        const extra = (Array.isArray(add) ? add : []).filter((cap) => cap !== 'NET_BIND_SERVICE');
        if (extra.length === 0) return undefined;
        return {
          path: scPath(c, 'capabilities', 'add'),
          found: `container ${c.name} adds ${extra.join(', ')}`,
          fix: 'add no capability other than NET_BIND_SERVICE',
        };
      }),
  ),
  workloadRule(
    {
      id: 'seccomp-profile',
      severity: 'error',
      description: 'seccompProfile.type is RuntimeDefault (pod or container level)',
      source: 'PSS-R, KS, PO, CK_K8S_31',
    },
    (w) =>
      eachContainer(w, (c) => {
        const { value, path } = effective(w, c, 'seccompProfile');
        const type = asRecord(value).type;
        if (type === 'RuntimeDefault') return undefined;
        return {
          path: value === undefined ? [...w.podSpecPath, 'securityContext', 'seccompProfile'] : [...path, 'type'],
          found: `container ${c.name}: seccompProfile.type is ${type === undefined ? 'not set' : String(type)}`,
          fix: 'set securityContext.seccompProfile.type: RuntimeDefault on the pod',
        };
      }),
  ),
  workloadRule(
    {
      id: 'read-only-root-filesystem',
      severity: 'error',
      description: 'every container has readOnlyRootFilesystem: true',
      source: 'KS, PO, KL, CK_K8S_22',
    },
    (w) =>
      eachContainer(w, (c) => {
        const value = asRecord(c.container.securityContext).readOnlyRootFilesystem;
        if (value === true) return undefined;
        return {
          path: scPath(c, 'readOnlyRootFilesystem'),
          found: `container ${c.name}: readOnlyRootFilesystem is ${value === undefined ? 'not set' : String(value)}`,
          fix: 'set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the process writes',
        };
      }),
  ),
  workloadRule(
    {
      id: 'writable-tmp',
      severity: 'error',
      description: 'a read-only container mounts an emptyDir at /tmp',
      source: 'KS, PO (read-only root needs writable scratch space)',
    },
    (w) =>
      eachContainer(w, (c) => {
        if (asRecord(c.container.securityContext).readOnlyRootFilesystem !== true) return undefined;
        const emptyDirs = new Set(
          asArray(w.podSpec.volumes)
            .filter((v) => v.emptyDir !== undefined)
            .map((v) => v.name),
        );
        const mount = asArray(c.container.volumeMounts).find((m) => m.mountPath === '/tmp');
        if (mount && emptyDirs.has(mount.name)) return undefined;
        return {
          path: [...c.path, 'volumeMounts'],
          found: `container ${c.name} has a read-only root filesystem and ${mount ? `mounts ${String(mount.name)}, not an emptyDir,` : 'no volume'} at /tmp`,
          fix: 'mount an emptyDir volume at /tmp (and at every other path the process writes)',
        };
      }),
  ),
  workloadRule(
    { id: 'privileged', severity: 'error', description: 'no container is privileged', source: 'PSS baseline, PO, KL, CK_K8S_16' },
    (w) =>
      eachContainer(w, (c) => {
        if (asRecord(c.container.securityContext).privileged !== true) return undefined;
        return { path: scPath(c, 'privileged'), found: `container ${c.name} is privileged`, fix: 'remove privileged: true' };
      }),
  ),
  workloadRule(
    {
      id: 'host-namespaces',
      severity: 'error',
      description: 'no hostNetwork, hostPID or hostIPC',
      source: 'PSS baseline, PO, KL, CK_K8S_17-19',
    },
    function* (w) {
      for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
        if (w.podSpec[field] === true)
          yield {
            path: [...w.podSpecPath, field],
            found: `${field} is true`,
            fix: `remove ${field}: the pod must not share the node's namespaces`,
          };
      }
    },
  ),
  workloadRule(
    { id: 'host-port', severity: 'error', description: 'no container port binds a hostPort', source: 'PSS baseline, PO, KL, CK_K8S_26' },
    function* (w) {
      for (const c of w.containers) {
        for (const [i, p] of asArray(c.container.ports).entries()) {
          if (p.hostPort !== undefined && p.hostPort !== 0)
            yield {
              path: [...c.path, 'ports', i, 'hostPort'],
              found: `container ${c.name} binds hostPort ${String(p.hostPort)}`,
              fix: 'remove hostPort and expose the port through a Service',
            };
        }
      }
    },
  ),
  workloadRule(
    { id: 'host-path', severity: 'error', description: 'no hostPath volume', source: 'PSS baseline, PO, KL, CK_K8S_27' },
    function* (w) {
      for (const [i, v] of asArray(w.podSpec.volumes).entries()) {
        if (v.hostPath !== undefined)
          yield {
            path: [...w.podSpecPath, 'volumes', i, 'hostPath'],
            found: `volume ${String(v.name)} mounts the node path ${String(asRecord(v.hostPath).path)}`,
            fix: 'use an emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret instead',
          };
      }
    },
  ),
  workloadRule(
    {
      id: 'automount-service-account-token',
      severity: 'error',
      description: 'automountServiceAccountToken: false (pod, or its ServiceAccount)',
      source: 'PO, KL, CK_K8S_38',
    },
    function* (w, ctx) {
      const pod = w.podSpec.automountServiceAccountToken;
      if (pod === false) return;
      const sa = ctx.find(
        'ServiceAccount',
        w.namespace,
        typeof w.podSpec.serviceAccountName === 'string' ? w.podSpec.serviceAccountName : 'default',
      );
      if (pod === undefined && sa?.object.automountServiceAccountToken === false) return;
      yield {
        path: [...w.podSpecPath, 'automountServiceAccountToken'],
        found: `automountServiceAccountToken is ${pod === undefined ? 'not set (the API token is mounted)' : String(pod)}`,
        fix: 'set automountServiceAccountToken: false on the pod spec',
      };
    },
  ),
  {
    id: 'dedicated-service-account',
    severity: 'error',
    description: 'each workload runs as its own ServiceAccount, never `default`',
    source: 'PO, KL, CK_K8S_41',
    *check(ctx) {
      const users = new Map<string, string[]>();
      for (const w of ctx.workloads) {
        const sa = w.podSpec.serviceAccountName;
        if (typeof sa === 'string' && sa !== 'default')
          users.set(`${w.namespace}/${sa}`, [...(users.get(`${w.namespace}/${sa}`) ?? []), `${w.kind}/${w.name}`]);
      }
      for (const w of ctx.workloads) {
        const sa = w.podSpec.serviceAccountName;
        const path = [...w.podSpecPath, 'serviceAccountName'];
        if (typeof sa !== 'string' || sa === 'default') {
          yield {
            item: w.item,
            path,
            found: `serviceAccountName is ${sa === undefined ? 'not set (uses default)' : '"default"'}`,
            fix: 'create a ServiceAccount for this workload and set serviceAccountName',
          };
          continue;
        }
        const others = (users.get(`${w.namespace}/${sa}`) ?? []).filter((u) => u !== `${w.kind}/${w.name}`);
        if (others.length > 0)
          yield {
            item: w.item,
            path,
            found: `ServiceAccount ${sa} is shared with ${others.join(', ')}`,
            fix: 'give each workload its own ServiceAccount, so its permissions stay its own',
          };
      }
    },
  },
];
