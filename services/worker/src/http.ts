// The probe and metrics port: three fixed paths need no framework.
import { createServer, type Server } from 'node:http';
import type { Pool } from 'pg';
import { workerContract } from './contract';
import type { Metrics } from './metrics';

export function createProbeServer(pool: Pool, metrics: Metrics, isStopping: () => boolean): Server {
  const { livenessPath, readinessPath, metricsPath } = workerContract.http;
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    if (req.method !== 'GET') return reply(405, '{"status":"method not allowed"}');
    if (path === livenessPath) return reply(200, '{"status":"ok"}');
    if (path === readinessPath) {
      if (isStopping()) return reply(503, '{"status":"shutting down"}');
      pool.query('SELECT 1').then(
        () => reply(200, '{"status":"ready"}'),
        () => reply(503, '{"status":"database unreachable"}'),
      );
      return;
    }
    if (path === metricsPath) {
      metrics.registry.metrics().then(
        (text) => reply(200, text, metrics.registry.contentType),
        () => reply(500, '{"status":"metrics failed"}'),
      );
      return;
    }
    reply(404, '{"status":"not found"}');
  });
}
