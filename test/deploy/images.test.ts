import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dockerBuildPaths,
  imageRepository,
  isLocalRegistry,
  pinnedReference,
  placeholderImages,
  planImages,
  readReleaseRecord,
  registryServer,
  sourceTag,
} from '../../deploy/images';
import type { ReleaseRecord } from '../../environments/release-record';
import { testEnvironment } from './fixtures';

const COMMIT = '3c71cc99d2fc1c12a3d3e1b27e448ca612a89a1d';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const record: ReleaseRecord = {
  environment: 'prod',
  sourceCommit: COMMIT,
  promotedFrom: 'staging',
  time: '2026-11-20T09:00:00Z',
  images: { api: `ecr.example/tasknote/tasknote-api@${DIGEST}`, worker: `ecr.example/tasknote/tasknote-worker@${DIGEST}` },
};

describe('sourceTag', () => {
  test('is the full commit, with -dirty for uncommitted changes', () => {
    expect(sourceTag(COMMIT, false)).toBe(COMMIT);
    expect(sourceTag(COMMIT, true)).toBe(`${COMMIT}-dirty`);
  });
  test('fails when the commit is not a full SHA', () => {
    expect(() => sourceTag('abc123', false)).toThrow("source commit must be a full 40-character git SHA; got 'abc123'");
  });
});

describe('registries', () => {
  test('derive repository, server and locality from the registry prefix', () => {
    expect(imageRepository('localhost:5001', 'api')).toBe('localhost:5001/tasknote-api');
    expect(imageRepository('123.dkr.ecr.eu-west-1.amazonaws.com/tasknote', 'worker')).toBe(
      '123.dkr.ecr.eu-west-1.amazonaws.com/tasknote/tasknote-worker',
    );
    expect(registryServer('123.dkr.ecr.eu-west-1.amazonaws.com/tasknote')).toBe('123.dkr.ecr.eu-west-1.amazonaws.com');
    expect(isLocalRegistry('localhost:5001')).toBe(true);
    expect(isLocalRegistry('127.0.0.1:5001/x')).toBe(true);
    expect(isLocalRegistry('ghcr.io/acme')).toBe(false);
  });
});

describe('planImages', () => {
  test('builds every service from the repository root with the one Dockerfile and its SERVICE, tagged with the commit', () => {
    const plan = planImages({
      env: testEnvironment(),
      repoRoot: '/repo',
      git: { commit: COMMIT, dirty: false },
      buildArgs: { NODE_IMAGE: 'node:20.19.5' },
    });
    expect(plan).toEqual({
      source: 'build',
      builds: [
        {
          service: 'api',
          repository: 'localhost:5001/tasknote-api',
          tag: COMMIT,
          imageName: `localhost:5001/tasknote-api:${COMMIT}`,
          context: '/repo',
          dockerfile: join('/repo', 'services', 'Dockerfile'),
          args: { NODE_IMAGE: 'node:20.19.5', SERVICE: 'api' },
        },
        {
          service: 'worker',
          repository: 'localhost:5001/tasknote-worker',
          tag: COMMIT,
          imageName: `localhost:5001/tasknote-worker:${COMMIT}`,
          context: '/repo',
          dockerfile: join('/repo', 'services', 'Dockerfile'),
          args: { NODE_IMAGE: 'node:20.19.5', SERVICE: 'worker' },
        },
      ],
    });
  });

  test('takes a release record and builds nothing', () => {
    const prod = testEnvironment({ name: 'prod', imageSource: 'release' });
    const plan = planImages({ env: prod, repoRoot: '/repo', loadRelease: () => ({ file: 'environments/releases/prod.json', record }) });
    expect(plan).toEqual({ source: 'release', file: 'environments/releases/prod.json', record, refs: record.images });
  });

  test('lets the stack config override the environment source', () => {
    const staging = testEnvironment({ name: 'staging', imageSource: 'release' });
    expect(planImages({ env: staging, repoRoot: '/r', imageSource: 'build', git: { commit: COMMIT, dirty: true } }).source).toBe('build');
  });

  test('fails when the record belongs to another environment', () => {
    const prod = testEnvironment({ name: 'prod', imageSource: 'release' });
    const load = () => ({ file: 'environments/releases/prod.json', record: { ...record, environment: 'staging' as const } });
    expect(() => planImages({ env: prod, repoRoot: '/r', loadRelease: load })).toThrow(
      "release record environments/releases/prod.json: 'environment' is 'staging', but the stack deploys 'prod'",
    );
  });
});

describe('dockerBuildPaths', () => {
  test('uses the repository root as context, since the services share the root lockfile', () => {
    expect(dockerBuildPaths('worker', '/r')).toEqual({
      context: '/r',
      dockerfile: join('/r', 'services', 'Dockerfile'),
      args: { SERVICE: 'worker' },
    });
  });

  test('a SERVICE build argument from outside cannot pick another service', () => {
    const plan = planImages({ env: testEnvironment(), repoRoot: '/r', git: { commit: COMMIT, dirty: false }, buildArgs: { SERVICE: 'api' } });
    expect(plan.source === 'build' && plan.builds.map((b) => b.args.SERVICE)).toEqual(['api', 'worker']);
  });
});

describe('readReleaseRecord', () => {
  test('reads and validates a record', () => {
    const root = mkdtempSync(join(tmpdir(), 'rel-'));
    mkdirSync(join(root, 'environments', 'releases'), { recursive: true });
    writeFileSync(join(root, 'environments', 'releases', 'prod.json'), JSON.stringify(record));
    expect(readReleaseRecord('prod', root)).toEqual({ file: 'environments/releases/prod.json', record });
  });

  test('fails when the record is missing, saying how to get one', () => {
    const root = mkdtempSync(join(tmpdir(), 'rel-'));
    expect(() => readReleaseRecord('prod', root)).toThrow(
      "environments/releases/prod.json does not exist: 'prod' takes its images from a release record (imageSource 'release') and builds nothing; " +
        "promote a release to it first, or set the stack config 'tasknote:imageSource' to 'build'",
    );
  });
});

describe('pinnedReference', () => {
  test('pins the pushed repository by digest', () => {
    expect(pinnedReference('localhost:5001/tasknote-api', `localhost:5001/tasknote-api@${DIGEST}`)).toBe(
      `localhost:5001/tasknote-api@${DIGEST}`,
    );
  });
  test('fails when docker reports a local image id instead of a pushed digest', () => {
    expect(() => pinnedReference('localhost:5001/tasknote-api', DIGEST)).toThrow(
      `image localhost:5001/tasknote-api: the push reported '${DIGEST}', which is not <repository>@sha256:<digest>; was the image pushed to a registry?`,
    );
  });
  test('fails when the digest belongs to another repository', () => {
    expect(() => pinnedReference('localhost:5001/tasknote-api', `localhost:5001/other@${DIGEST}`)).toThrow(
      "reported digest of 'localhost:5001/other'",
    );
  });
});

describe('placeholderImages', () => {
  test('are valid digest references per service, different in each variant', () => {
    const [a, b] = [placeholderImages('localhost:5001', 0), placeholderImages('localhost:5001', 1)];
    expect(a.api).toMatch(/^localhost:5001\/tasknote-api@sha256:[a-f0-9]{64}$/);
    expect(b.worker).toMatch(/^localhost:5001\/tasknote-worker@sha256:[a-f0-9]{64}$/);
    expect(a.api).not.toBe(b.api);
    expect(a.worker).not.toBe(b.worker);
  });
});
