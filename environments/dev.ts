// dev: a local kind cluster on a laptop. One small replica of everything, images built from the
// working tree and pushed to the registry next to kind.
import type { EnvironmentInput } from './schema';
import { POSTGRES_IMAGE, REDIS_IMAGE } from './third-party-images';

export const dev: EnvironmentInput = {
  name: 'dev',
  namespace: 'tasknote-dev',
  cluster: { kind: 'kind', context: 'kind-tasknote', server: 'https://127.0.0.1:6443' },
  registry: 'localhost:5001',
  imageSource: 'build',
  devImageTag: '0.1.0-dev',
  logLevel: 'debug',
  ingress: { host: 'tasknote.localtest.me', className: 'nginx', controllerNamespace: 'ingress-nginx' },
  storageClass: 'standard',
  zoneSpread: false,
  api: {
    replicas: 1,
    resources: {
      cpuRequestMillis: 50,
      cpuLimitMillis: 500,
      memoryRequestMiB: 128,
      memoryLimitMiB: 256,
      ephemeralStorageRequestMiB: 64,
      ephemeralStorageLimitMiB: 256,
    },
  },
  worker: {
    replicas: 1,
    thumbnailSizes: [64, 256],
    resources: {
      cpuRequestMillis: 50,
      cpuLimitMillis: 500,
      memoryRequestMiB: 128,
      memoryLimitMiB: 320,
      ephemeralStorageRequestMiB: 64,
      ephemeralStorageLimitMiB: 256,
    },
  },
  postgres: {
    image: POSTGRES_IMAGE,
    storageGiB: 1,
    resources: {
      cpuRequestMillis: 100,
      cpuLimitMillis: 1000,
      memoryRequestMiB: 256,
      memoryLimitMiB: 512,
      ephemeralStorageRequestMiB: 64,
      ephemeralStorageLimitMiB: 256,
    },
  },
  redis: {
    image: REDIS_IMAGE,
    maxMemoryMiB: 48,
    resources: {
      cpuRequestMillis: 25,
      cpuLimitMillis: 250,
      memoryRequestMiB: 64,
      memoryLimitMiB: 96,
      ephemeralStorageRequestMiB: 16,
      ephemeralStorageLimitMiB: 64,
    },
  },
  jobs: {
    summarySchedule: '0 6 * * *',
    timeZone: 'UTC',
    resources: {
      cpuRequestMillis: 25,
      cpuLimitMillis: 500,
      memoryRequestMiB: 96,
      memoryLimitMiB: 192,
      ephemeralStorageRequestMiB: 32,
      ephemeralStorageLimitMiB: 128,
    },
  },
  smtp: { host: 'mailpit.mailpit.svc.cluster.local', port: 1025, from: 'tasknote@localtest.me', egressCidr: '10.0.0.0/8' },
  backup: { schedule: '30 2 * * *', retentionDays: 3, storageGiB: 1 },
};
