// The Pod Security controls (baseline and restricted, Kubernetes 1.34) that pod-security.ts does
// not already cover, with the allowed values of staging/src/k8s.io/pod-security-admission/policy.
import { asArray, asRecord, type Workload } from '../model';
import { workloadRule, type Rule } from '../rule';
import { show } from '../schema';
import type { FieldPath, Violation } from '../types';

const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
/** check_seLinuxOptions.go (1.31+). */
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
/** check_sysctls.go, the safe set of the latest policy version. */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
]);
/** check_restrictedVolumes.go: the volume sources restricted allows. */
const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/** The pod's securityContext and every container's, with their paths. */
function* securityContexts(w: Workload): Iterable<[Record<string, unknown>, FieldPath, string]> {
  yield [asRecord(w.podSpec.securityContext), [...w.podSpecPath, 'securityContext'], 'pod'];
  for (const c of w.containers) yield [asRecord(c.container.securityContext), [...c.path, 'securityContext'], `container ${c.name}`];
}

/**
 * The rules that model Pod Security's `restricted` profile, which the API server enforces on
 * workloads (a warning) and Pods (a refusal). Two of them are stricter than the profile on purpose
 * (`STRICTER_THAN_RESTRICTED`): a numeric `runAsUser`, and `RuntimeDefault` seccomp only.
 */
export const RESTRICTED_RULE_IDS = [
  'run-as-non-root',
  'run-as-user',
  'allow-privilege-escalation',
  'drop-all-capabilities',
  'added-capabilities',
  'seccomp-profile',
  'privileged',
  'host-namespaces',
  'host-port',
  'host-path',
  'apparmor',
  'selinux-options',
  'proc-mount',
  'sysctls',
  'host-process',
  'probe-host',
  'volume-types',
] as const;
export const STRICTER_THAN_RESTRICTED: readonly string[] = ['run-as-user', 'seccomp-profile'];

export const POD_SECURITY_CONTROL_RULES: Rule[] = [
  workloadRule(
    {
      id: 'apparmor',
      severity: 'error',
      description: 'no AppArmor profile is Unconfined (appArmorProfile or the beta annotation)',
      source: 'PSS baseline',
    },
    function* (w) {
      for (const [s, path, who] of securityContexts(w)) {
        const type = asRecord(s.appArmorProfile).type;
        if (type !== undefined && type !== 'RuntimeDefault' && type !== 'Localhost')
          yield {
            path: [...path, 'appArmorProfile', 'type'],
            found: `${who}: appArmorProfile.type is ${show(type)}`,
            fix: 'use RuntimeDefault or a Localhost profile',
          };
      }
      for (const [key, value] of Object.entries(w.podAnnotations))
        if (key.startsWith(APPARMOR_ANNOTATION) && value !== '' && value !== 'runtime/default' && !value.startsWith('localhost/'))
          yield {
            path: [...w.templatePath, 'metadata', 'annotations', key],
            found: `AppArmor annotation ${key} is ${show(value)}`,
            fix: 'use appArmorProfile.type: RuntimeDefault instead',
          };
    },
  ),
  workloadRule(
    {
      id: 'selinux-options',
      severity: 'error',
      description: 'seLinuxOptions set no user or role, and only a container type',
      source: 'PSS baseline',
    },
    function* (w) {
      for (const [s, path, who] of securityContexts(w)) {
        const o = asRecord(s.seLinuxOptions);
        if (o.type !== undefined && !SELINUX_TYPES.has(String(o.type)))
          yield {
            path: [...path, 'seLinuxOptions', 'type'],
            found: `${who}: seLinuxOptions.type is ${show(o.type)}`,
            fix: 'use container_t, container_init_t, container_kvm_t or container_engine_t, or leave it unset',
          };
        for (const field of ['user', 'role'])
          if (o[field] !== undefined && o[field] !== '')
            yield {
              path: [...path, 'seLinuxOptions', field],
              found: `${who}: seLinuxOptions.${field} is ${show(o[field])}`,
              fix: `remove seLinuxOptions.${field}`,
            };
      }
    },
  ),
  workloadRule({ id: 'proc-mount', severity: 'error', description: 'procMount is Default', source: 'PSS baseline' }, function* (w) {
    for (const c of w.containers) {
      const value = asRecord(c.container.securityContext).procMount;
      if (value !== undefined && value !== 'Default')
        yield {
          path: [...c.path, 'securityContext', 'procMount'],
          found: `container ${c.name}: procMount is ${show(value)}`,
          fix: 'remove procMount (Default masks /proc)',
        };
    }
  }),
  workloadRule({ id: 'sysctls', severity: 'error', description: 'only the safe sysctls are set', source: 'PSS baseline' }, function* (w) {
    for (const [i, s] of asArray(asRecord(w.podSpec.securityContext).sysctls).entries())
      if (!SAFE_SYSCTLS.has(String(s.name)))
        yield {
          path: [...w.podSpecPath, 'securityContext', 'sysctls', i, 'name'],
          found: `sysctl ${show(s.name)} is not in the safe set`,
          fix: `use only ${[...SAFE_SYSCTLS].join(', ')}`,
        };
  }),
  workloadRule(
    { id: 'host-process', severity: 'error', description: 'no Windows hostProcess container', source: 'PSS baseline' },
    function* (w) {
      for (const [s, path, who] of securityContexts(w))
        if (asRecord(s.windowsOptions).hostProcess === true)
          yield {
            path: [...path, 'windowsOptions', 'hostProcess'],
            found: `${who}: windowsOptions.hostProcess is true`,
            fix: 'remove hostProcess: it gives the container the Windows host',
          };
    },
  ),
  workloadRule(
    {
      id: 'probe-host',
      severity: 'error',
      description: 'probes and lifecycle hooks set no host (they reach the pod only)',
      source: 'PSS baseline (1.34)',
    },
    function* (w) {
      for (const c of w.containers) {
        const handlers: [unknown, FieldPath][] = [
          ...['livenessProbe', 'readinessProbe', 'startupProbe'].map((p) => [c.container[p], [...c.path, p]] as [unknown, FieldPath]),
          ...['postStart', 'preStop'].map((h) => [asRecord(c.container.lifecycle)[h], [...c.path, 'lifecycle', h]] as [unknown, FieldPath]),
        ];
        for (const [handler, path] of handlers)
          for (const kind of ['httpGet', 'tcpSocket']) {
            const host = asRecord(asRecord(handler)[kind]).host;
            if (host !== undefined && host !== '')
              yield {
                path: [...path, kind, 'host'],
                found: `container ${c.name}: ${kind}.host is ${show(host)}`,
                fix: 'remove host: a probe or hook targets the pod itself',
              } satisfies Violation;
          }
      }
    },
  ),
  workloadRule(
    {
      id: 'volume-types',
      severity: 'error',
      description: 'volumes are configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected or secret',
      source: 'PSS-R',
    },
    function* (w) {
      for (const [i, v] of asArray(w.podSpec.volumes).entries()) {
        // hostPath has a rule of its own (host-path).
        const bad = Object.keys(v).filter((k) => k !== 'name' && k !== 'hostPath' && !RESTRICTED_VOLUMES.has(k));
        if (bad.length > 0)
          yield {
            path: [...w.podSpecPath, 'volumes', i],
            found: `volume ${show(v.name)} is of type ${bad.join(', ')}`,
            fix: 'use an allowed volume type, e.g. a persistentVolumeClaim or a csi volume',
          };
      }
    },
  ),
];
