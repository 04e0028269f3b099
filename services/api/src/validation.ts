// Request validation with zod schemas, and the error shape every 4xx shares.
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import { z } from 'zod';

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

export function installValidation(app: FastifyInstance): void {
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

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof RequestValidationError) {
      return reply.code(400).send({ error: 'Bad Request', message: err.message, fields: err.fields });
    }
    if (err instanceof HttpError) {
      if (err.statusCode === 401) reply.header('www-authenticate', 'Bearer');
      return reply.code(err.statusCode).send({ error: statusText(err.statusCode), message: err.message });
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return reply.code(status).send({ error: statusText(status), message: 'internal error' });
    }
    return reply.code(status).send({ error: statusText(status), message: err.message });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'Not Found', message: `no route for ${request.method} ${request.url.split('?')[0]}` }),
  );
}

function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}
