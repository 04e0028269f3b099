// One loader for release records: synth (and so diff), deploy and promote read a record the same way.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../core/repo-root';
import { UserError } from '../../core/user-error';
import { releaseImages } from '../../environments/images';
import { loadEnvironment } from '../../environments/load';
import { problemsOf } from './problems';
import { loadReleaseRecord } from '../../environments/release-store';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tasknote-releases-'));
  mkdirSync(join(root, 'environments', 'releases'), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const stagingRecord = JSON.parse(readFileSync(join(REPO_ROOT, 'environments/releases/staging.json'), 'utf8'));
const writeStaging = (record: unknown) => writeFileSync(join(root, 'environments/releases/staging.json'), JSON.stringify(record));

test('synth reads the images of the record that deploy and promote read', () => {
  writeStaging(stagingRecord);
  expect(releaseImages(loadEnvironment('staging'), root)).toEqual(loadReleaseRecord('staging', { root }).images);
});

test('fails when a record names another environment, in synth exactly as in deploy and promote', () => {
  writeStaging({ ...stagingRecord, environment: 'prod' });
  const expected = `environments/releases/staging.json: environment: must be 'staging' for this file (received "prod")`;
  expect(() => loadReleaseRecord('staging', { root })).toThrow(new UserError(expected));
  expect(problemsOf(() => releaseImages(loadEnvironment('staging'), root))).toEqual([expected]);
});

test('fails when the record is missing, naming the file', () => {
  expect(() => releaseImages(loadEnvironment('staging'), root)).toThrow(/environments\/releases\/staging\.json does not exist/);
});
