import { Construct } from 'constructs';
import * as k8s from './private/k8s';
import { DeploymentWorkload, validateDeploymentWorkload } from './private/deployment-workload';
import type { ResourceSpec } from './types';

/** UID and GID of the `redis` user in the official image. */
export const REDIS_IMAGE_UID = 999;

/** Properties of a `RedisCache`. */
export interface RedisCacheProps {
  /** Name of the Deployment and Service, e.g. `tasknote-redis`. */
  readonly name: string;
  /** Official `redis` image (or a compatible one), pinned by tag or digest. */
  readonly image: string;
  /** `maxmemory`; keys are evicted least-recently-used beyond it. Keep it below the memory limit. */
  readonly maxMemoryMiB: number;
  readonly resources: ResourceSpec;
  /**
   * Policy waivers for the `check` command: rule ID -> reason.
   * @default {}
   */
  readonly waivers?: Readonly<Record<string, string>>;
}

/**
 * A Redis used as a cache: one replica, no persistence (no RDB, no AOF), LRU eviction,
 * a Service on 6379, and probes. Losing it costs speed, not data.
 */
export class RedisCache extends DeploymentWorkload {
  readonly host: string;
  readonly port = 6379;
  readonly service: k8s.KubeService;

  constructor(scope: Construct, id: string, props: RedisCacheProps) {
    const workload = {
      name: props.name,
      component: 'cache',
      image: props.image,
      replicas: 1,
      podDisruptionBudget: false,
      args: [
        '--save', '',
        '--appendonly', 'no',
        '--maxmemory', `${props.maxMemoryMiB}mb`,
        '--maxmemory-policy', 'allkeys-lru',
        '--protected-mode', 'no',
      ],
      ports: [{ name: 'redis', containerPort: 6379 }],
      resources: props.resources,
      probes: {
        readiness: { check: { exec: ['redis-cli', '-p', '6379', 'ping'] } },
        liveness: { check: { tcp: { port: 'redis' } } },
      },
      writablePaths: ['/tmp', '/data'],
      security: { runAsUser: REDIS_IMAGE_UID },
      waivers: props.waivers,
    } as const;
    validateDeploymentWorkload('RedisCache', id, workload, true, [
      {
        when: () => !Number.isInteger(props.maxMemoryMiB) || props.maxMemoryMiB < 1,
        message: () => `maxMemoryMiB (${props.maxMemoryMiB}) must be an integer >= 1`,
      },
      {
        when: () => props.maxMemoryMiB >= props.resources.memoryLimitMiB,
        message: () => `maxMemoryMiB (${props.maxMemoryMiB}) must be below resources.memoryLimitMiB (${props.resources.memoryLimitMiB}): Redis needs headroom`,
      },
    ]);
    super(scope, id, workload, true, 'datastore');
    this.host = props.name;
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: this.chart.metadataFor({ name: props.name, component: 'cache' }),
      spec: {
        type: 'ClusterIP',
        selector: { ...this.selectorLabels },
        ports: [{ name: 'redis', port: 6379, targetPort: k8s.IntOrString.fromString('redis'), protocol: 'TCP' }],
      },
    });
  }
}
