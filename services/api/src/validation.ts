// Request validation with zod schemas, the field types PostgreSQL can hold, and the error shape every error shares.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Metrics } from './metrics';

export interface FieldError {
  field: string;
  message: string;
}

export class RequestValidationError extends Error {
  readonly statusCode = 400;
  constructor(readonly fields: FieldError[]) {
    super(fields.map((f) => `${f.field}: ${f.message}`).join('; '));
  }
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, `${what} not found`);

// ---- Field types: every value that passes these can be stored and compared by PostgreSQL. ----

/** PostgreSQL `text` cannot hold NUL, and a lone UTF-16 surrogate has no UTF-8 form (it would be stored altered). */
export function pgText(maxLength: number, options: { error?: string; trim?: boolean; minLength?: number } = {}) {
  let text = z.string({ error: options.error ?? 'must be a string' });
  if (options.trim) text = text.trim();
  if (options.minLength !== undefined) text = text.min(options.minLength, { error: 'must not be empty' });
  return text
    .max(maxLength, { error: `must be at most ${maxLength} characters` })
    .refine((s) => !s.includes('\u0000'), { error: 'must not contain NUL (\\u0000) characters' })
    .refine((s) => (s as string & { isWellFormed(): boolean }).isWellFormed(), {
      error: 'must be valid Unicode (it contains a lone surrogate)',
    });
}

/** A calendar date PostgreSQL's `date` holds: YYYY-MM-DD, year 0001 to 9999 (there is no year 0). */
export const pgDate = z.iso
  .date({ error: 'must be a date as YYYY-MM-DD' })
  .refine((s) => !s.startsWith('0000'), { error: 'must be a date from 0001-01-01 to 9999-12-31 (there is no year 0)' });

/** PostgreSQL `integer` (int4). */
export const INT4_MAX = 2_147_483_647;

/** A request id the client may send in X-Request-Id: short and log-safe; anything else is replaced. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === 'string' && CLIENT_REQUEST_ID.test(header) ? header : randomUUID();
}

/** Seconds a client should wait before retrying when PostgreSQL is unreachable. */
export const RETRY_AFTER_SECONDS = 2;

/** node-pg and PostgreSQL errors that mean the database cannot be reached (not that the request was bad). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'].includes(code)) return true;
  // SQLSTATE class 08 (connection exception), 57P01-57P03 (admin/crash shutdown, cannot connect now), 53300 (too many connections).
  if (/^08/.test(code) || ['57P01', '57P02', '57P03', '53300'].includes(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/.test(
    message,
  );
}

/** A PostgreSQL data exception (SQLSTATE class 22) or integrity violation (class 23): a value validation let through. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

export function installValidation(app: FastifyInstance, metrics?: Metrics): void {
  app.setValidatorCompiler<z.ZodType>(({ schema, httpPart }) => (data: unknown) => {
    const result = schema.safeParse(data ?? (httpPart === 'body' ? undefined : {}));
    if (result.success) return { value: result.data };
    return {
      error: new RequestValidationError(
        result.error.issues.flatMap((issue) => {
          const prefix = [httpPart ?? 'body', ...issue.path.map(String)];
          // An unknown key is reported on its parent; name the key itself instead.
          if (issue.code === 'unrecognized_keys') {
            return issue.keys.map((key) => ({ field: [...prefix, key].join('.'), message: 'is not a known field' }));
          }
          return [{ field: prefix.join('.'), message: issue.message }];
        }),
      ),
    };
  });

  // Every response names its request, so that a client's report can be found in the logs.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  const send = (request: FastifyRequest, reply: FastifyReply, status: number, message: string, extra: object = {}) =>
    reply.code(status).send({ error: statusText(status), message, requestId: request.id, ...extra });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof RequestValidationError) return send(request, reply, 400, err.message, { fields: err.fields });
    if (err instanceof HttpError) {
      if (err.statusCode === 401) reply.header('www-authenticate', 'Bearer');
      return send(request, reply, err.statusCode, err.message);
    }
    if (isDatabaseUnavailable(err)) {
      request.log.error({ err, requestId: request.id }, 'database unavailable');
      metrics?.serverErrors.inc({ cause: 'database_unavailable' });
      return send(request, reply.header('retry-after', String(RETRY_AFTER_SECONDS)), 503, 'the database is unavailable; retry later');
    }
    if (isDataError(err)) {
      // A gap in validation: PostgreSQL refused a value the schemas accepted. Still the client's input, so a 4xx,
      // but logged as an error: the fuzz lane fails on this line, so that the schema gets fixed.
      request.log.error({ err, requestId: request.id, validationGap: true }, 'validation gap: PostgreSQL rejected an accepted value');
      metrics?.serverErrors.inc({ cause: 'validation_gap' });
      const status = (err as { code?: string }).code?.startsWith('23') ? 409 : 400;
      return send(request, reply, status, 'a value in the request cannot be stored');
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err, requestId: request.id }, 'request failed');
      metrics?.serverErrors.inc({ cause: 'internal' });
      return send(request, reply, status, 'internal error');
    }
    // Fastify's own 4xx (unsupported media type, malformed JSON, body too large, ...): its message says why.
    return send(request, reply, status, err.message);
  });

  app.setNotFoundHandler((request, reply) => send(request, reply, 404, `no route for ${request.method} ${request.url.split('?')[0]}`));
}

function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}
