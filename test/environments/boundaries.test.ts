// Synth's side of every field's boundary, both sides: what `tasknote synth --set` accepts and
// refuses. The API server's side of the same table is asked in the cluster lane
// (test/cluster/env-boundaries.ctest.ts).
import { environmentFields } from '../../environments/docs';
import { API_SERVER_BOUNDARIES, OTHER_CONSUMERS, representative, setArg, synthVerdict } from './boundaries';

test('every environment field has a boundary table or a named consumer', () => {
  const covered = new Set([...API_SERVER_BOUNDARIES.map((b) => b.field), ...Object.keys(OTHER_CONSUMERS)]);
  const uncovered = environmentFields()
    .map((f) => f.path)
    .filter((p) => !covered.has(representative(p)));
  expect(uncovered).toEqual([]);
  const fields = new Set(environmentFields().map((f) => f.path));
  expect([...covered].filter((f) => !fields.has(f))).toEqual([]);
});

test('every table tries at least one value on each side', () => {
  for (const b of API_SERVER_BOUNDARIES) {
    expect([b.field, b.accept.length > 0, b.refuse.length + Object.keys(b.stricter ?? {}).length > 0]).toEqual([b.field, true, true]);
  }
});

describe.each(API_SERVER_BOUNDARIES.map((b) => [b.field, b] as const))('%s', (_field, b) => {
  test('the sentinel is accepted', () => {
    expect(synthVerdict(b.env, [setArg(b.field, b.sentinel)]).message).toBe('');
  });

  test.each(b.accept.map((v) => [JSON.stringify(v), v]))('accepts %s', (_text, value) => {
    expect(synthVerdict(b.env, [setArg(b.field, value)]).message).toBe('');
  });

  const refused = [...b.refuse.map((v) => JSON.stringify(v)), ...Object.keys(b.stricter ?? {})];
  test.each(refused)('refuses %s, naming the field and the value', (text) => {
    const verdict = synthVerdict(b.env, [setArg(b.field, JSON.parse(text))]);
    expect(verdict.accepted).toBe(false);
    const leaf = b.field.split('.').pop()!;
    expect(verdict.message).toContain(leaf);
    expect(verdict.message).toContain('Nothing was written.');
  });
});

/** Fields the API server does not judge: both sides against their own consumer's rules. */
const OTHER: readonly { field: string; env: 'dev' | 'staging' | 'prod'; accept: unknown[]; refuse: unknown[] }[] = [
  {
    field: 'cluster.server',
    env: 'dev',
    accept: [
      'https://127.0.0.1:6443',
      'https://127.0.0.1:65535',
      'https://127.0.0.1:1',
      'http://localhost:8080',
      'https://api.example.com',
      'https://rancher.example.com/k8s/clusters/c-1',
    ],
    refuse: [
      'https://127.0.0.1:0',
      'https://127.0.0.1:65536',
      '127.0.0.1:6443',
      'ftp://127.0.0.1',
      'https://user:pw@127.0.0.1:6443',
      'https://127.0.0.1:6443?x=1',
      'https://127.0.0.1:6443#a',
      '',
    ],
  },
  {
    field: 'registry',
    env: 'dev',
    accept: [
      'localhost:5001',
      'localhost:1',
      'localhost:65535',
      'registry.example.com/team/sub',
      'ghcr.io/org_name',
      'r.example.com/a__b',
      'r.example.com/a--b',
    ],
    refuse: [
      'localhost:0',
      'localhost:65536',
      'localhost:5001/',
      'https://registry.example.com',
      'Registry.example.com',
      'r.example.com/a..b',
      'r.example.com/a___b',
      'r.example.com/-a',
      'r..example.com',
      '',
    ],
  },
  {
    field: 'devImageTag',
    env: 'dev',
    accept: ['0.1.0-dev', '_x', 'a'.repeat(128)],
    refuse: ['latest', '.x', '-x', 'a'.repeat(129), 'a b', ''],
  },
  {
    field: 'postgres.image',
    env: 'dev',
    accept: ['postgres:16.4', 'localhost:5001/postgres:16', 'localhost:65535/postgres:16', `postgres@sha256:${'a'.repeat(64)}`],
    refuse: [
      'postgres',
      'postgres:latest',
      'localhost:0/postgres:16',
      'localhost:70000/postgres:16',
      'library//postgres:16',
      'Postgres:16',
      'a..b:1',
      `${'a'.repeat(256)}:1`,
    ],
  },
  {
    field: 'redis.image',
    env: 'dev',
    accept: ['redis:7.4.1-alpine', 'registry.example.com:5000/team/redis:7'],
    refuse: ['redis', 'redis:latest', 'redis@sha256:abc', 'registry.example.com:99999/redis:7'],
  },
  {
    field: 'backup.retentionDays',
    env: 'dev',
    accept: [1, 3650],
    refuse: [0, 3651, 1.5],
  },
  {
    field: 'redis.maxMemoryMiB',
    env: 'dev',
    accept: [16, 95],
    refuse: [15, 96, 262145],
  },
];

describe.each(OTHER.map((o) => [o.field, o] as const))('%s', (_field, o) => {
  test.each(o.accept.map((v) => [JSON.stringify(v), v]))('accepts %s', (_text, value) => {
    expect(synthVerdict(o.env, [setArg(o.field, value)]).message).toBe('');
  });
  test.each(o.refuse.map((v) => [JSON.stringify(v), v]))('refuses %s', (_text, value) => {
    const verdict = synthVerdict(o.env, [setArg(o.field, value)]);
    expect(verdict.accepted).toBe(false);
    expect(verdict.message).toContain(o.field.split('.').pop()!);
  });
});

test('the README example of a failed synth is still what synth prints', () => {
  expect(synthVerdict('staging', ['api.autoscaling.minReplicas=5']).message).toBe(
    "environment 'staging' is invalid:\n  - api.autoscaling.minReplicas: must be <= maxReplicas (4) (received 5)\nNothing was written.",
  );
});
