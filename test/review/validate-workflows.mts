// Validates GitHub workflow files with GitHub's own workflow parser and schema (@actions/workflow-parser,
// the one behind the Actions language service). It is ESM-only, so the jest test runs this file with tsx.
// Prints a JSON object: file name → error messages.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';

const dir = process.argv[2];
const result: Record<string, string[]> = {};
for (const name of readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()) {
  const parsed = parseWorkflow({ name, content: readFileSync(join(dir, name), 'utf8') }, new NoOperationTraceWriter());
  result[name] = parsed.context.errors.getErrors().map((e) => e.message);
}
process.stdout.write(JSON.stringify(result));
