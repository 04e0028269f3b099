// Run in the Dockerfile's build stage: compiles a service as `tsc -p tsconfig.build.json` emits it,
// file by file with TypeScript's own transpiler (ts.transpileModule), without building a program:
// no lib or @types files are read and nothing is type-checked. `npm run typecheck` type-checks
// services/*/src in `npm test` and CI; test/images/transpile.test.ts checks that this emits exactly
// what tsc emits. That keeps a code-only image rebuild cheap (tsc spent most of it reading types).
//
//   node transpile.js services/<name>     (reads its tsconfig.build.json, writes its outDir)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
// The service's own TypeScript: the one installed where the build runs (/app in the image).
const ts = require(require.resolve('typescript', { paths: [process.cwd(), __dirname] }));

/** Options whose output transpileModule does not produce, or produces differently from tsc. */
const UNSUPPORTED = ['declaration', 'sourceMap', 'inlineSourceMap', 'composite', 'resolveJsonModule', 'emitDecoratorMetadata', 'outFile', 'allowJs'];

function fail(message) {
  process.stderr.write(`scripts/containers/transpile.js: ${message}\n`);
  process.exit(1);
}

const message = (d) => ts.flattenDiagnosticMessageText(d.messageText, '\n');

function main(serviceDir) {
  if (!serviceDir) fail('usage: node transpile.js services/<name>');
  const configFile = path.resolve(serviceDir, 'tsconfig.build.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => fail(`${configFile}: ${message(d)}`),
  });
  if (parsed.errors.length > 0) fail(`${configFile}: ${parsed.errors.map(message).join('; ')}`);
  const { options } = parsed;
  const unsupported = UNSUPPORTED.filter((o) => options[o]);
  if (unsupported.length > 0) fail(`${configFile} sets ${unsupported.join(', ')}, which this transpiler does not emit as tsc does: build with tsc`);
  if (!options.isolatedModules) fail(`${configFile} must set isolatedModules: only then does each file compile on its own as tsc compiles it`);
  if (!options.outDir || !options.rootDir) fail(`${configFile} must set outDir and rootDir`);
  let failed = false;
  for (const file of parsed.fileNames) {
    if (file.endsWith('.d.ts')) continue;
    if (!file.endsWith('.ts')) fail(`${file}: only .ts sources are handled`);
    const rel = path.relative(options.rootDir, file);
    if (rel.startsWith('..')) fail(`${file} is outside rootDir ${options.rootDir}`);
    const result = ts.transpileModule(fs.readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file, reportDiagnostics: true });
    for (const d of result.diagnostics ?? []) {
      const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      process.stderr.write(`${file}${at ? `:${at.line + 1}:${at.character + 1}` : ''}: ${message(d)}\n`);
      failed = true;
    }
    const out = path.join(options.outDir, rel.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, result.outputText);
  }
  if (failed) process.exit(1);
}

main(process.argv[2]);
