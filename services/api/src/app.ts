// Builds the Fastify app from its dependencies; `serve` and the tests both use it.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { apiContract } from './contract';
import { TokenResolver, bearerToken, isAdminToken } from './auth';
import type { TaskListCache } from './cache';
import type { Metrics } from './metrics';
import { adminRoutes } from './routes/admin';
import { attachmentRoutes } from './routes/attachments';
import { taskRoutes } from './routes/tasks';
import { OPENAPI_PATH, jsonSchema, openApiDocument, registerOpenApi, responses, statusSchema } from './openapi';
import type { RevocationBus } from './revocations';
import { HttpError, installValidation, requestIdFor } from './validation';

declare module 'fastify' {
  interface FastifyRequest {
    userId: string;
  }
  interface FastifyContextConfig {
    /** For the OpenAPI document: a route whose body is raw bytes of these media types. */
    openapiBody?: { contentTypes: string[] };
  }
}

/** Largest JSON body; image uploads have their own limit. */
export const JSON_BODY_LIMIT_BYTES = 64 * 1024;

export interface AppDeps {
  pool: Pool;
  cache: TaskListCache;
  logger: Logger;
  metrics: Metrics;
  adminToken: string;
  maxUploadBytes: number;
  /** Remembers valid tokens; built over `pool` unless given (a test injects one to pause a lookup). */
  tokens?: TokenResolver;
  /** Tells other replicas of a revocation; without it, they stop within the resolver's TTL. */
  revocations?: RevocationBus;
  /** Largest image accepted, in pixels (width x height, per frame), so that a decompression bomb is refused. */
  maxUploadPixels?: number;
}

/** 40 megapixels: any camera photo, not a decompression bomb (a 10 MiB PNG can claim billions). */
export const DEFAULT_MAX_UPLOAD_PIXELS = 40_000_000;

/** Flipped by the shutdown sequence; /readyz answers 503 from then on. */
export interface Lifecycle {
  shuttingDown: boolean;
}

export interface RouteEntry {
  method: string;
  url: string;
  schema: Record<string, unknown> | undefined;
}

const ROUTES = Symbol('tasknote.routes');

/** Every route the app registered (HEAD twins excluded), for the test that keeps the OpenAPI document in step. */
export function registeredRoutes(app: FastifyInstance): RouteEntry[] {
  return (app as unknown as { [ROUTES]: RouteEntry[] })[ROUTES];
}

export async function buildApp(deps: AppDeps, lifecycle: Lifecycle = { shuttingDown: false }): Promise<FastifyInstance> {
  const { pool, logger, metrics } = deps;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: JSON_BODY_LIMIT_BYTES,
    trustProxy: true,
    return503OnClosing: true,
    genReqId: (req) => requestIdFor(req.headers['x-request-id']),
  });
  const routes: RouteEntry[] = [];
  (app as unknown as { [ROUTES]: RouteEntry[] })[ROUTES] = routes;
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: route.url, schema: route.schema as Record<string, unknown> | undefined });
    }
  });
  installValidation(app, metrics);
  await registerOpenApi(app);
  const tokens = deps.tokens ?? new TokenResolver(pool);

  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: reply.statusCode },
      reply.elapsedTime / 1000,
    );
  });

  const { livenessPath, readinessPath, metricsPath } = apiContract.http;
  const status = jsonSchema(statusSchema);
  app.get(livenessPath, { logLevel: 'warn', schema: { response: responses({ 200: status }) } }, async () => ({ status: 'ok' }));
  app.get(readinessPath, { logLevel: 'warn', schema: { response: responses({ 200: status, 503: status }) } }, async (_request, reply) => {
    if (lifecycle.shuttingDown) return reply.code(503).send({ status: 'shutting down' });
    try {
      await pool.query('SELECT 1');
      return { status: 'ready' };
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'readiness check: database unreachable');
      return reply.code(503).send({ status: 'database unreachable' });
    }
  });
  app.get(
    metricsPath,
    {
      logLevel: 'warn',
      schema: {
        response: responses({
          200: { description: 'Prometheus metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
        }),
      },
    },
    async (_request, reply) => reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  app.get(
    OPENAPI_PATH,
    {
      logLevel: 'warn',
      schema: {
        response: responses({
          200: { description: 'this document (OpenAPI 3.1)', type: 'object', additionalProperties: true },
        }),
      },
    },
    async (_request, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(openApiDocument(app))),
  );

  await app.register(async (admin) => {
    admin.addHook('onRequest', async (request) => {
      const token = bearerToken(request.headers.authorization);
      if (token === null || !isAdminToken(token, deps.adminToken)) throw unauthorized();
    });
    await adminRoutes(admin, { pool, tokens, ...(deps.revocations ? { revocations: deps.revocations } : {}) });
  });

  await app.register(async (user) => {
    user.decorateRequest('userId', '');
    user.addHook('onRequest', async (request) => {
      const token = bearerToken(request.headers.authorization);
      const userId = token === null ? null : await tokens.userFor(token);
      if (userId === null) throw unauthorized();
      request.userId = userId;
    });
    await taskRoutes(user, { pool, cache: deps.cache });
    await attachmentRoutes(user, {
      pool,
      metrics,
      maxUploadBytes: deps.maxUploadBytes,
      maxUploadPixels: deps.maxUploadPixels ?? DEFAULT_MAX_UPLOAD_PIXELS,
    });
  });

  return app;
}

function unauthorized(): HttpError {
  return new HttpError(401, 'authorization: send a valid token as "Authorization: Bearer <token>"');
}
