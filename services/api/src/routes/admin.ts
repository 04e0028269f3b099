import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { z } from 'zod';
import { hashToken, newToken, type TokenResolver } from '../auth';
import { issuedTokenSchema, jsonSchema, noContent, responses, userSchema } from '../openapi';
import type { RevocationBus } from '../revocations';
import { HttpError, notFound, pgText } from '../validation';

const createUserSchema = z.strictObject({
  email: z.email({ error: 'must be an email address' }).max(320, { error: 'must be at most 320 characters' }),
  name: pgText(200, { error: 'is required and must be a string', trim: true, minLength: 1 }),
});
const createTokenSchema = z.strictObject({
  label: pgText(200).default(''),
});
const security = [{ bearer: [] }];
const userParamsSchema = z.object({ userId: z.uuid({ error: 'must be a UUID' }) });
const tokenParamsSchema = z.object({ tokenId: z.uuid({ error: 'must be a UUID' }) });

/** Routes behind the admin token: users and their API tokens. */
export async function adminRoutes(
  app: FastifyInstance,
  { pool, tokens, revocations }: { pool: Pool; tokens: TokenResolver; revocations?: RevocationBus },
): Promise<void> {
  app.post<{ Body: z.output<typeof createUserSchema> }>(
    '/admin/users',
    { schema: { security, body: createUserSchema, response: responses({ 201: jsonSchema(userSchema) }) } },
    async (request, reply) => {
      const { rows } = await pool.query<{ id: string; email: string; name: string; created_at: Date }>(
        `INSERT INTO users (email, name) VALUES (lower($1), $2)
         ON CONFLICT (email) DO NOTHING RETURNING id, email, name, created_at`,
        [request.body.email, request.body.name],
      );
      if (rows.length === 0) throw new HttpError(409, `body.email: a user with email ${request.body.email} exists`);
      const u = rows[0]!;
      return reply.code(201).send({ id: u.id, email: u.email, name: u.name, createdAt: u.created_at.toISOString() });
    },
  );

  app.post<{ Params: { userId: string }; Body: z.output<typeof createTokenSchema> }>(
    '/admin/users/:userId/tokens',
    {
      schema: {
        security,
        params: userParamsSchema,
        body: createTokenSchema,
        response: responses({ 201: jsonSchema(issuedTokenSchema) }),
      },
    },
    async (request, reply) => {
      const token = newToken();
      const { rows } = await pool.query<{ id: string; created_at: Date }>(
        `INSERT INTO api_tokens (user_id, token_hash, label)
         SELECT id, $2, $3 FROM users WHERE id = $1 RETURNING id, created_at`,
        [request.params.userId, hashToken(token), request.body.label],
      );
      if (rows.length === 0) throw notFound('user');
      // The only time the plain token is visible: only its hash is stored.
      return reply.code(201).send({ id: rows[0]!.id, token, label: request.body.label, createdAt: rows[0]!.created_at.toISOString() });
    },
  );

  app.delete<{ Params: { tokenId: string } }>(
    '/admin/tokens/:tokenId',
    { schema: { security, params: tokenParamsSchema, response: responses({ 204: noContent }) } },
    async (request, reply) => {
      const { rowCount } = await pool.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [
        request.params.tokenId,
      ]);
      if (rowCount === 0) throw notFound('token');
      // This replica at once (lookups in flight included), the others over Redis, or within the TTL without it.
      tokens.forgetAll();
      await revocations?.publish(request.params.tokenId);
      return reply.code(204).send();
    },
  );
}
