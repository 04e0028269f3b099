// Writes docs/environments.md from the environment schema (`npm run docs:environments`).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEnvironmentDocs } from '../../environments/docs';

const file = join(__dirname, '..', '..', 'docs', 'environments.md');
writeFileSync(file, renderEnvironmentDocs());
process.stdout.write(`wrote ${file}\n`);
