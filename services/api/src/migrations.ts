/**
 * The versioned schema. Append new migrations; never edit an applied one
 * (`migrate` refuses to run when an applied migration's checksum changed).
 * The worker's queue table lives here too, so one Job migrates everything.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'users_tokens_tasks',
    sql: `
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL UNIQUE,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash bytea NOT NULL UNIQUE,
        label text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      );
      CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);
      CREATE TABLE tasks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        title text NOT NULL,
        notes text NOT NULL DEFAULT '',
        due_date date,
        done boolean NOT NULL DEFAULT false,
        completed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX tasks_user_created_idx ON tasks (user_id, created_at DESC, id DESC);
      CREATE INDEX tasks_user_due_idx ON tasks (user_id, due_date) WHERE NOT done;
      CREATE INDEX tasks_user_completed_idx ON tasks (user_id, completed_at) WHERE done;
    `,
  },
  {
    version: 2,
    name: 'attachments_and_job_queue',
    sql: `
      CREATE TABLE attachments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        task_id uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        content_type text NOT NULL,
        byte_size integer NOT NULL,
        width integer NOT NULL,
        height integer NOT NULL,
        data bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX attachments_task_idx ON attachments (task_id);
      CREATE TABLE thumbnails (
        attachment_id uuid NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
        width integer NOT NULL,
        height integer NOT NULL,
        content_type text NOT NULL,
        data bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (attachment_id, width)
      );
      CREATE TABLE jobs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'running', 'done', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        run_at timestamptz NOT NULL DEFAULT now(),
        lease_token uuid,
        locked_by text,
        locked_until timestamptz,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE INDEX jobs_ready_idx ON jobs (run_at, id) WHERE status = 'queued';
      CREATE INDEX jobs_lease_idx ON jobs (locked_until) WHERE status = 'running';
    `,
  },
  {
    version: 3,
    name: 'summary_deliveries',
    sql: `
      CREATE TABLE summary_deliveries (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        day date NOT NULL,
        message_id text NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, day)
      );
    `,
  },
  {
    version: 4,
    name: 'jobs_by_attachment',
    sql: `
      -- The API reports each attachment's thumbnail status from its newest resize job.
      CREATE INDEX jobs_attachment_idx ON jobs ((payload->>'attachmentId'), id) WHERE kind = 'resize';
    `,
  },
];
