// Third-party images every environment runs, pinned by tag and digest (multi-arch index digests).
export const POSTGRES_IMAGE = 'postgres:16.4-bookworm@sha256:e62fbf9d3e2b49816a32c400ed2dba83e3b361e6833e624024309c35d334b412';
export const REDIS_IMAGE = 'redis:7.4-bookworm@sha256:4fa24486b8bcca8eec45ee0eb166edc674795e53a2b53d1a9ef263eecebaac85';
