// A release record: the digest-pinned images an environment runs and where they came from.
// Its schema, its parser (every problem named with the value received) and its stored text format.
import { z } from 'zod';
import { ENVIRONMENT_NAMES } from '../core/environment-names';
import { UserError } from '../core/user-error';
import { SERVICE_NAMES, type ServiceName } from '../services/contracts';

const DIGEST_REF = /^[a-z0-9][a-z0-9._\-/:]*@sha256:[a-f0-9]{64}$/;

export const releaseRecordSchema = z
  .object({
    environment: z.enum(ENVIRONMENT_NAMES),
    /** The git commit the images were built from. */
    sourceCommit: z.string().regex(/^[0-9a-f]{40}$/, 'must be a full 40-character git commit SHA'),
    /** The environment this record was promoted from; `build` for a fresh build. */
    promotedFrom: z.union([z.enum(ENVIRONMENT_NAMES), z.literal('build')]),
    /**
     * When the images were built and first recorded, ISO 8601 UTC. Promotion carries it over unchanged,
     * so that comparing two records' times compares the age of the builds they pin.
     */
    time: z.iso.datetime(),
    images: z
      .object(
        Object.fromEntries(
          SERVICE_NAMES.map((s) => [s, z.string().regex(DIGEST_REF, 'must be pinned by digest: <repo>@sha256:<64 hex>')]),
        ) as Record<ServiceName, z.ZodString>,
      )
      .strict(),
  })
  .strict();

export type ReleaseRecord = z.infer<typeof releaseRecordSchema>;


/** Path of a record relative to the repository root, as git names it. */
function valueAt(data: unknown, issuePath: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const key of issuePath) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describeIssue(data: unknown, issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.join('.') : '(record)';
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length > 0 ? `${field}: ` : '';
    return `${where}unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}; allowed: ${allowedFields(issue.path)}`;
  }
  const received = valueAt(data, issue.path);
  const got = received === undefined ? 'it is missing' : `received ${JSON.stringify(received)}`;
  return `${field}: ${issue.message} (${got})`;
}

function allowedFields(issuePath: readonly PropertyKey[]): string {
  const keys = issuePath[0] === 'images' ? SERVICE_NAMES : Object.keys(releaseRecordSchema.shape);
  return keys.join(', ');
}

/**
 * Parses and validates a record's JSON text. Every problem is reported at once, each naming the field,
 * the value received and what is allowed; `source` says where the text came from.
 */
export function parseReleaseRecord(text: string, source: string): ReleaseRecord {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
  const result = releaseRecordSchema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${describeIssue(data, i)}`);
    throw new UserError(`${source} is not a valid release record:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** The JSON text of a record as stored: fields in schema order, two-space indent, final newline. */
export function formatReleaseRecord(record: ReleaseRecord): string {
  const ordered: ReleaseRecord = {
    environment: record.environment,
    sourceCommit: record.sourceCommit,
    promotedFrom: record.promotedFrom,
    time: record.time,
    images: Object.fromEntries(SERVICE_NAMES.map((s) => [s, record.images[s]])) as ReleaseRecord['images'],
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

