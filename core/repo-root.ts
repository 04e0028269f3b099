import { resolve } from 'node:path';

/** The repository root: environment files, release records, Pulumi stack files and services live below it. */
export const REPO_ROOT = resolve(__dirname, '..');
