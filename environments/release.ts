// Release records: the digest-pinned images an environment runs, and where they came from.
import { z } from 'zod';
import { ENVIRONMENT_NAMES } from './schema';

/** The services whose images a release record must pin (one image each). */
export const RELEASED_SERVICES = ['api', 'worker'] as const;
export type ReleasedService = (typeof RELEASED_SERVICES)[number];

const DIGEST_REF = /^[a-z0-9][a-z0-9._\-/:]*@sha256:[a-f0-9]{64}$/;

export const releaseRecordSchema = z
  .object({
    environment: z.enum(ENVIRONMENT_NAMES),
    /** The git commit the images were built from. */
    sourceCommit: z.string().regex(/^[0-9a-f]{40}$/, 'must be a full 40-character git commit SHA'),
    /** The environment this record was promoted from; `build` for a fresh build. */
    promotedFrom: z.union([z.enum(ENVIRONMENT_NAMES), z.literal('build')]),
    /** When the record was written, ISO 8601 UTC. */
    time: z.iso.datetime(),
    images: z
      .object(
        Object.fromEntries(
          RELEASED_SERVICES.map((s) => [s, z.string().regex(DIGEST_REF, 'must be pinned by digest: <repo>@sha256:<64 hex>')]),
        ) as Record<ReleasedService, z.ZodString>,
      )
      .strict(),
  })
  .strict();

export type ReleaseRecord = z.infer<typeof releaseRecordSchema>;
