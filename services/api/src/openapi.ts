/**
 * The machine-checkable contract: response schemas for every route (Fastify
 * serializes with them, so nothing undeclared leaks out) and an OpenAPI 3.1
 * document generated from the route schemas by @fastify/swagger. Request
 * schemas are zod (validation.ts); they are converted to JSON Schema here,
 * for the document only.
 */
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

export const OPENAPI_PATH = '/openapi.json';

type JsonSchema = Record<string, unknown>;

/** JSON Schema (2020-12, which OpenAPI 3.1 uses) of a zod schema, as a request (`input`) or response (`output`) sees it. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const timestamp = z.iso.datetime();

export const errorSchema = z.object({
  error: z.string(),
  message: z.string(),
  requestId: z.string(),
  fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

const errorJson = () => ({ description: 'an error: what was wrong, and the request id to quote', ...jsonSchema(errorSchema) });

/** Success responses of a route, plus the error shape for every 4xx and 5xx. */
export function responses(success: Record<number, JsonSchema>): Record<string, JsonSchema> {
  return { ...success, '4xx': errorJson(), '5xx': errorJson() };
}

export const noContent = { description: 'done; no body', type: 'null' } as const;

export function imageResponse(description: string): JsonSchema {
  const binary = { schema: { type: 'string', format: 'binary' } };
  return {
    description,
    content: { 'image/png': binary, 'image/jpeg': binary, 'image/webp': binary, 'image/gif': binary },
  };
}

export const taskSchema = z.object({
  id: z.uuid(),
  title: z.string(),
  notes: z.string(),
  dueDate: z.iso.date().nullable(),
  done: z.boolean(),
  completedAt: timestamp.nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const taskListSchema = z.object({ items: z.array(taskSchema), nextCursor: z.string().nullable() });

export const attachmentSchema = z.object({
  id: z.uuid(),
  contentType: z.enum(['image/png', 'image/jpeg', 'image/webp', 'image/gif']),
  byteSize: z.int(),
  width: z.int(),
  height: z.int(),
  createdAt: timestamp,
  thumbnails: z.array(z.object({ width: z.int(), height: z.int() })),
  thumbnailStatus: z.enum(['pending', 'ready', 'failed']),
  thumbnailError: z.string().nullable(),
});

export const attachmentListSchema = z.object({ items: z.array(attachmentSchema) });

export const userSchema = z.object({ id: z.uuid(), email: z.string(), name: z.string(), createdAt: timestamp });

export const issuedTokenSchema = z.object({ id: z.uuid(), token: z.string(), label: z.string(), createdAt: timestamp });

export const statusSchema = z.object({ status: z.string() });

/** The parts of a route schema that are zod, converted for the document. */
const REQUEST_PARTS = ['body', 'querystring', 'params', 'headers'] as const;

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'TaskNote API',
        version: '1',
        description: 'Tasks, image attachments with thumbnails, and the admin routes that issue tokens.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: ({ schema, url, route }) => {
      if (schema === undefined) return { schema, url };
      const converted: Record<string, unknown> = { ...schema };
      for (const part of REQUEST_PARTS) {
        const value = (schema as Record<string, unknown>)[part];
        if (value instanceof z.ZodType) converted[part] = jsonSchema(value, 'input');
      }
      const upload = (route.config as { openapiBody?: { contentTypes: string[] } } | undefined)?.openapiBody;
      if (upload !== undefined) {
        converted.consumes = upload.contentTypes;
        converted.body = { type: 'string', format: 'binary', description: 'the image bytes' };
      }
      return { schema: converted, url };
    },
  });
}

/** The served document: @fastify/swagger's, once the app is ready. */
export function openApiDocument(app: FastifyInstance): Record<string, unknown> {
  return (app as unknown as { swagger(): Record<string, unknown> }).swagger();
}
