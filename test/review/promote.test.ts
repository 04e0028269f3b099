import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadReleaseRecord } from '../../environments/release-store';
import { parseReleaseRecord, ReleaseRecord } from '../../environments/release-record';
import { KubeObject } from '../../core/kube-object';
import { promote, recordBuild, SynthesizeWithRecord } from '../../review/promote';

const REPO = (svc: string) => `registry.example.com/tasknote/tasknote-${svc}`;
const digest = (c: string) => `sha256:${c.repeat(64)}`;

function record(env: string, over: Partial<Record<string, unknown>> = {}, images?: Record<string, string>): Record<string, unknown> {
  return {
    environment: env,
    sourceCommit: 'a'.repeat(40),
    promotedFrom: env === 'staging' ? 'build' : 'staging',
    time: '2026-11-20T09:00:00Z',
    images: images ?? {
      api: `${REPO('api')}@${digest('1')}`,
      worker: `${REPO('worker')}@${digest('2')}`,
    },
    ...over,
  };
}

function git(root: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: root,
    encoding: 'utf8',
    stdio: 'pipe',
  }).trim();
}

let root: string;
let initCommit: string;

function writeRecord(env: string, value: unknown): void {
  const dir = path.join(root, 'environments/releases');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${env}.json`), typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}

function readRecord(env: string): string {
  return fs.readFileSync(path.join(root, `environments/releases/${env}.json`), 'utf8');
}

function commit(message: string): string {
  git(root, 'add', '-A');
  git(root, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', message);
  return git(root, 'rev-parse', 'HEAD');
}

function releaseFiles(): string[] {
  return fs.readdirSync(path.join(root, 'environments/releases')).sort();
}

/** Every file of the records directory with its content: what "nothing is written" compares. */
function snapshotRecords(): Record<string, string> {
  return Object.fromEntries(releaseFiles().map((f) => [f, fs.readFileSync(path.join(root, 'environments/releases', f), 'utf8')]));
}

/** A stand-in for synth: one Deployment per service, with the record's image. */
const fakeSynth: SynthesizeWithRecord = (env, rec) =>
  (['api', 'worker'] as const).map(
    (svc): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `tasknote-${svc}`, namespace: `tasknote-${env}` },
      spec: {
        template: {
          spec: { containers: [{ name: svc, image: rec.images[svc] }] },
        },
      },
    }),
  );

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tasknote-promote-'));
  git(root, 'init', '-q');
  fs.writeFileSync(path.join(root, 'README.md'), 'test repository\n');
  initCommit = commit('init');
  writeRecord('prod', record('prod'));
  writeRecord(
    'staging',
    record(
      'staging',
      { sourceCommit: 'b'.repeat(40), time: '2026-11-21T10:00:00Z' },
      {
        api: `${REPO('api')}@${digest('3')}`,
        worker: `${REPO('worker')}@${digest('4')}`,
      },
    ),
  );
  commit('records');
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('promote', () => {
  test('copies the staging record to prod and shows the manifest diff it causes', () => {
    const result = promote({
      from: 'staging',
      to: 'prod',
      root,
      synthesize: fakeSynth,
    });
    const written = JSON.parse(readRecord('prod'));
    expect(written).toEqual({
      environment: 'prod',
      sourceCommit: 'b'.repeat(40),
      promotedFrom: 'staging',
      time: '2026-11-21T10:00:00Z',
      images: {
        api: `${REPO('api')}@${digest('3')}`,
        worker: `${REPO('worker')}@${digest('4')}`,
      },
    });
    expect(result.written).toBe(path.join(root, 'environments/releases/prod.json'));
    expect(result.diff!.changed.map((c) => c.images.map((i) => `${i.container}: ${i.newImage}`))).toEqual([
      [`api: ${REPO('api')}@${digest('3')}`],
      [`worker: ${REPO('worker')}@${digest('4')}`],
    ]);
    expect(releaseFiles()).toEqual(['prod.json', 'staging.json']);
  });

  test('writes nothing on a dry run', () => {
    const before = readRecord('prod');
    const result = promote({
      from: 'staging',
      to: 'prod',
      root,
      dryRun: true,
      synthesize: fakeSynth,
    });
    expect(result.written).toBeUndefined();
    expect(result.diff!.changed).toHaveLength(2);
    expect(readRecord('prod')).toBe(before);
  });

  test('says there is nothing to promote when the target already runs the record', () => {
    promote({ from: 'staging', to: 'prod', root });
    const result = promote({ from: 'staging', to: 'prod', root });
    expect(result.written).toBeUndefined();
    expect(result.notes).toEqual([`prod already runs ${'b'.repeat(12)} with these images; nothing to promote`]);
  });

  test('a first promotion needs no target record', () => {
    fs.rmSync(path.join(root, 'environments/releases/prod.json'));
    const result = promote({
      from: 'staging',
      to: 'prod',
      root,
      synthesize: fakeSynth,
    });
    expect(result.notes).toEqual(['prod has no release record yet; this is its first promotion']);
    expect(result.diff!.added).toHaveLength(2);
    expect(loadReleaseRecord('prod', { root }).sourceCommit).toBe('b'.repeat(40));
  });

  test('rolls back to a record from git history, past the "not older" rule, and says so', () => {
    const old = git(root, 'rev-parse', 'HEAD');
    promote({ from: 'staging', to: 'prod', root });
    commit('promote');
    const result = promote({
      to: 'prod',
      ref: old,
      root,
      synthesize: fakeSynth,
    });
    expect(JSON.parse(readRecord('prod'))).toEqual(record('prod', { promotedFrom: 'prod' }));
    expect(result.notes).toEqual([
      `rollback: the record from ${old} (2026-11-20T09:00:00Z) is older than prod's current one (2026-11-21T10:00:00Z); the "not older" rule does not apply to an explicit --ref`,
    ]);
    expect(result.diff!.changed).toHaveLength(2);
  });
});

describe('promote validation', () => {
  function expectRejected(run: () => unknown, message: string): void {
    const before = snapshotRecords();
    expect(run).toThrow(message);
    expect(snapshotRecords()).toEqual(before);
  }

  test('fails when the source record is not valid JSON', () => {
    writeRecord('staging', '{ "environment": ');
    expectRejected(() => promote({ from: 'staging', to: 'prod', root }), 'environments/releases/staging.json is not valid JSON');
  });

  test('fails when an image is not pinned by digest, naming the field and the value', () => {
    writeRecord(
      'staging',
      record(
        'staging',
        {},
        {
          api: `${REPO('api')}:1.2.0`,
          worker: `${REPO('worker')}@${digest('4')}`,
        },
      ),
    );
    expectRejected(
      () => promote({ from: 'staging', to: 'prod', root }),
      `environments/releases/staging.json is not a valid release record:\n  - images.api: must be pinned by digest: <repo>@sha256:<64 hex> (received "${REPO('api')}:1.2.0")`,
    );
  });

  test('fails when a service of the stack is missing', () => {
    writeRecord('staging', record('staging', {}, { api: `${REPO('api')}@${digest('3')}` } as Record<string, string>));
    expectRejected(
      () => promote({ from: 'staging', to: 'prod', root }),
      '  - images.worker: Invalid input: expected string, received undefined (it is missing)',
    );
  });

  test('reports every problem of a record at once', () => {
    writeRecord('staging', record('staging', { sourceCommit: 'abc', time: 'yesterday', extra: 1 }));
    expect(() => promote({ from: 'staging', to: 'prod', root })).toThrow(
      [
        'environments/releases/staging.json is not a valid release record:',
        '  - sourceCommit: must be a full 40-character git commit SHA (received "abc")',
        '  - time: Invalid ISO datetime (received "yesterday")',
        "  - unknown field(s) 'extra'; allowed: environment, sourceCommit, promotedFrom, time, images",
      ].join('\n'),
    );
  });

  test('fails when a record names another environment than its file', () => {
    writeRecord('staging', record('prod'));
    expectRejected(
      () => promote({ from: 'staging', to: 'prod', root }),
      `environments/releases/staging.json: environment: must be 'staging' for this file (received "prod")`,
    );
  });

  test("fails when the source record is older than the target's", () => {
    writeRecord(
      'staging',
      record(
        'staging',
        { time: '2026-11-01T00:00:00Z' },
        {
          api: `${REPO('api')}@${digest('5')}`,
          worker: `${REPO('worker')}@${digest('6')}`,
        },
      ),
    );
    expectRejected(
      () => promote({ from: 'staging', to: 'prod', root }),
      "time: staging's record (2026-11-01T00:00:00Z) is older than prod's (2026-11-20T09:00:00Z); promoting it would roll prod back. To roll back on purpose, pass --ref <commit>",
    );
  });

  test('fails when promoting backwards', () => {
    expectRejected(
      () => promote({ from: 'prod', to: 'staging', root }),
      '--from prod --to staging: promotion goes forward (dev → staging → prod); to roll staging back, pass --ref <commit> to promote an earlier record',
    );
  });

  test('fails when the source environment has no record', () => {
    expectRejected(
      () => promote({ from: 'dev', to: 'staging', root }),
      "--from dev: environment 'dev' has no release record (environments/releases/dev.json)",
    );
  });

  test('fails when neither --from nor --ref is given', () => {
    expectRejected(
      () => promote({ to: 'prod', root }),
      '--from is required: name the environment to promote to prod (or pass --ref <commit> to roll prod back)',
    );
  });

  test('fails when --ref is not a commit', () => {
    expectRejected(() => promote({ to: 'prod', ref: 'no-such-ref', root }), '--ref "no-such-ref" is not a commit');
  });

  test('fails when the record does not exist at --ref', () => {
    expectRejected(() => promote({ to: 'prod', ref: initCommit, root }), `environments/releases/prod.json does not exist at ${initCommit}`);
  });

  test('fails when the target record is malformed', () => {
    writeRecord('prod', record('prod', { images: {} }));
    expectRejected(() => promote({ from: 'staging', to: 'prod', root }), 'environments/releases/prod.json is not a valid release record');
  });

  test('writes nothing when the new record cannot be synthesized', () => {
    const failing: SynthesizeWithRecord = () => {
      throw new Error('synth failed');
    };
    expectRejected(() => promote({ from: 'staging', to: 'prod', root, synthesize: failing }), 'synth failed');
  });
});

describe('parseReleaseRecord', () => {
  test('accepts the bootstrap records of this repository', () => {
    for (const env of ['staging', 'prod'] as const) {
      const rec: ReleaseRecord = loadReleaseRecord(env);
      expect(rec.environment).toBe(env);
    }
  });
  test('names the source in errors', () => {
    expect(() => parseReleaseRecord('[]', 'prod.json at abc')).toThrow(
      'prod.json at abc is not a valid release record:\n  - (record): Invalid input: expected object, received array (received [])',
    );
  });
});

describe('recordBuild', () => {
  const images = { api: `${REPO('api')}@${digest('7')}`, worker: `${REPO('worker')}@${digest('8')}` };

  test("writes a fresh build's record for staging", () => {
    const result = recordBuild({
      to: 'staging',
      images,
      sourceCommit: 'c'.repeat(40),
      time: '2026-11-22T08:00:00Z',
      root,
      synthesize: fakeSynth,
    });
    expect(JSON.parse(readRecord('staging'))).toEqual({
      environment: 'staging',
      sourceCommit: 'c'.repeat(40),
      promotedFrom: 'build',
      time: '2026-11-22T08:00:00Z',
      images,
    });
    expect(result.diff!.changed).toHaveLength(2);
  });

  test('fails when a pushed image is not pinned by digest, and writes nothing', () => {
    const before = readRecord('staging');
    expect(() =>
      recordBuild({ to: 'staging', images: { ...images, worker: `${REPO('worker')}:1.0.0` }, sourceCommit: 'c'.repeat(40), root }),
    ).toThrow(
      `the build record for staging is not a valid release record:\n  - images.worker: must be pinned by digest: <repo>@sha256:<64 hex> (received "${REPO('worker')}:1.0.0")`,
    );
    expect(readRecord('staging')).toBe(before);
  });

  test('fails when the build is older than the current record', () => {
    expect(() => recordBuild({ to: 'staging', images, sourceCommit: 'c'.repeat(40), time: '2026-01-01T00:00:00Z', root })).toThrow(
      "time: the build record (2026-01-01T00:00:00Z) is older than staging's (2026-11-21T10:00:00Z); pass a later --time",
    );
  });
});
