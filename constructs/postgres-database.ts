import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentChart, waiverAnnotations } from './environment-chart';
import * as k8s from './private/k8s';
import { buildPodTemplate, podRules, versionOf } from './private/pod';
import { validateProps, valueRule } from './private/validate';
import type { SecretReference } from './secret-reference';
import type { IPodSelectable, ProbeSet, ResourceSpec } from './types';
import { deployRoleAnnotation } from '../core/deploy-role';
import { checkDnsLabel } from '../core/value-rules';

/** UID and GID of the `postgres` user in the official image. */
export const POSTGRES_IMAGE_UID = 999;

/** Properties of a `PostgresDatabase`. */
export interface PostgresDatabaseProps {
  /** Name of the StatefulSet and client Service, e.g. `tasknote-postgres`. */
  readonly name: string;
  /** Official `postgres` image (or a compatible one), pinned by tag or digest. */
  readonly image: string;
  readonly storageGiB: number;
  readonly storageClassName: string;
  readonly databaseName: string;
  readonly user: string;
  /** The Secret and key holding the password of `user`. */
  readonly passwordSecret: SecretReference;
  /** @default 'password' */
  readonly passwordKey?: string;
  readonly resources: ResourceSpec;
  /**
   * Policy waivers for the `check` command: rule ID -> reason.
   * @default {}
   */
  readonly waivers?: Readonly<Record<string, string>>;
}

/**
 * A single-instance PostgreSQL StatefulSet: a headless Service for its stable identity, a client
 * Service, a volumeClaimTemplate for data, the password from a Secret, and `pg_isready` probes.
 * Runs as the official image's `postgres` user (UID 999) with a read-only root filesystem.
 */
export class PostgresDatabase extends Construct implements IPodSelectable {
  readonly name: string;
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Host name clients connect to. */
  readonly host: string;
  readonly port = 5432;
  readonly databaseName: string;
  readonly user: string;
  /** Escape hatches. */
  readonly statefulSet: k8s.KubeStatefulSet;
  readonly service: k8s.KubeService;
  readonly headlessService: k8s.KubeService;
  readonly serviceAccount: k8s.KubeServiceAccount;

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps) {
    const podProps = {
      image: props.image,
      resources: props.resources,
      security: { runAsUser: POSTGRES_IMAGE_UID },
      // PostgreSQL needs time for a shutdown checkpoint before SIGKILL.
      terminationGracePeriod: Duration.seconds(60),
    };
    validateProps(`PostgresDatabase '${id}'`, props, [
      valueRule('name', (p: PostgresDatabaseProps) => p.name, checkDnsLabel),
      valueRule('storageClassName', (p: PostgresDatabaseProps) => p.storageClassName, checkDnsLabel),
      {
        when: (p) => !Number.isInteger(p.storageGiB) || p.storageGiB < 1,
        message: (p) => `storageGiB (${p.storageGiB}) must be an integer >= 1`,
      },
      {
        when: (p) => !/^[a-z_][a-z0-9_]{0,62}$/.test(p.databaseName),
        message: (p) => `databaseName (${JSON.stringify(p.databaseName)}) must be a lower-case SQL identifier of at most 63 characters`,
      },
      {
        when: (p) => !/^[a-z_][a-z0-9_]{0,62}$/.test(p.user),
        message: (p) => `user (${JSON.stringify(p.user)}) must be a lower-case SQL identifier of at most 63 characters`,
      },
      ...podRules(true).map((r) => ({ when: () => r.when(podProps), message: () => r.message(podProps) })),
    ]);
    super(scope, id);
    const chart = EnvironmentChart.of(this);
    const component = 'database';
    this.name = props.name;
    this.host = props.name;
    this.databaseName = props.databaseName;
    this.user = props.user;
    this.selectorLabels = chart.selectorFor(props.name);
    const version = versionOf(props.image);
    const labels = chart.labelsFor({ name: props.name, component, version });
    const headlessName = `${props.name}-headless`;
    const dataVolume = 'data';
    const ready = ['pg_isready', '--host=127.0.0.1', '--port=5432', `--username=${props.user}`, `--dbname=${props.databaseName}`];
    const probes: ProbeSet = {
      readiness: { check: { exec: ready } },
      // Liveness asks the local socket only: a server busy with clients is alive, not dead.
      liveness: { check: { exec: ['pg_isready', '--host=/var/run/postgresql', '--port=5432'] } },
      startup: { check: { exec: ready }, failureThreshold: 60 },
    };

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: chart.metadataFor({ name: props.name, component }),
      automountServiceAccountToken: false,
    });

    const ports = [{ name: 'postgres', port: 5432, targetPort: k8s.IntOrString.fromString('postgres'), protocol: 'TCP' }];
    this.headlessService = new k8s.KubeService(this, 'HeadlessService', {
      metadata: chart.metadataFor({ name: headlessName, component }),
      spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector: { ...this.selectorLabels }, ports },
    });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: chart.metadataFor({ name: props.name, component }),
      spec: { type: 'ClusterIP', selector: { ...this.selectorLabels }, ports },
    });

    const podTemplate = buildPodTemplate(
      { chart, name: props.name, serviceAccountName: props.name, labels, selector: { ...this.selectorLabels }, servesTraffic: true },
      {
        image: props.image,
        ports: [{ name: 'postgres', containerPort: 5432 }],
        env: {
          POSTGRES_DB: props.databaseName,
          POSTGRES_USER: props.user,
          POSTGRES_PASSWORD: props.passwordSecret.env(props.passwordKey ?? 'password'),
          PGDATA: '/var/lib/postgresql/data/pgdata',
        },
        resources: props.resources,
        probes,
        writablePaths: ['/tmp', '/var/run/postgresql'],
        extraVolumes: [{ volume: { name: dataVolume } as k8s.Volume, mountPath: '/var/lib/postgresql/data' }],
        security: podProps.security,
        terminationGracePeriod: podProps.terminationGracePeriod,
      },
    );
    // The data volume comes from the volumeClaimTemplate, not from the pod's volume list.
    const template: k8s.PodTemplateSpec = {
      ...podTemplate,
      spec: { ...podTemplate.spec!, volumes: podTemplate.spec!.volumes!.filter((v) => v.name !== dataVolume) },
    };

    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { ...chart.metadataFor({ name: props.name, component, version }), annotations: { ...deployRoleAnnotation('datastore'), ...waiverAnnotations(props.waivers) } },
      spec: {
        serviceName: headlessName,
        replicas: 1,
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        selector: { matchLabels: { ...this.selectorLabels } },
        template,
        volumeClaimTemplates: [
          {
            metadata: { name: dataVolume, labels: chart.labelsFor({ name: props.name, component }) },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: props.storageClassName,
              resources: { requests: { storage: k8s.Quantity.fromString(`${props.storageGiB}Gi`) } },
            },
          },
        ],
      },
    });
  }
}
