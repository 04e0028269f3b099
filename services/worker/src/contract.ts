/**
 * The contract between the worker image and the manifests that run it.
 *
 * The constructs in app/stack.ts import this module, so ports, probe paths,
 * env var names, Secret keys, writable paths and the UID cannot drift apart.
 * Self-contained on purpose: it is compiled into the image too.
 */
export const workerContract = {
  /** Image repository name, without registry. */
  imageName: 'tasknote-worker',
  /** Numeric non-root user and group the image declares with `USER`. */
  uid: 10001,
  gid: 10001,
  /** Paths the process writes to; everything else is a read-only root filesystem. */
  writablePaths: ['/tmp'],
  /** The small HTTP port that serves probes and metrics. */
  http: {
    port: 9090,
    portName: 'http-metrics',
    livenessPath: '/healthz',
    readinessPath: '/readyz',
    metricsPath: '/metrics',
  },
  commands: {
    run: ['node', 'dist/main.js'],
  },
  env: {
    LOG_LEVEL: 'pino log level: fatal|error|warn|info|debug|trace',
    HTTP_PORT: 'port of the probe/metrics server',
    DATABASE_HOST: 'PostgreSQL host',
    DATABASE_PORT: 'PostgreSQL port',
    DATABASE_NAME: 'PostgreSQL database name',
    DATABASE_USER: 'PostgreSQL user',
    THUMBNAIL_SIZES: 'comma-separated thumbnail widths in pixels, e.g. 64,256',
    JOB_LEASE_SECONDS: 'how long a claimed job is leased before another worker may re-claim it',
    JOB_MAX_ATTEMPTS: 'attempts before a job is marked failed',
    POLL_INTERVAL_MS: 'idle poll interval of the queue',
    JOB_BACKOFF_BASE_MS: 'retry delay after the first failure; doubles with each attempt, capped at one hour',
    JOB_CONCURRENCY: 'thumbnail renders one process runs at once (CPU-bound; about the CPUs it may use); one more job is claimed ahead',
  },
  secretEnv: {
    DATABASE_PASSWORD: { secret: 'database', key: 'password' },
  },
} as const;

export type WorkerContract = typeof workerContract;
