import { Pool } from 'pg';
import type { DatabaseConfig } from './config';

export function createPool(config: DatabaseConfig, applicationName: string, max = 10): Pool {
  return new Pool({
    ...config,
    max,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
}
