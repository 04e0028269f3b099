#!/usr/bin/env node
// Entry of `npm run synth|check|diff|promote|graph|deploy|preview|destroy|seal`.
// Transpiles TypeScript on the fly (no type-check: that is `npm run typecheck`).
require('tsx/cjs');
require('../app/cli.ts').main(process.argv.slice(2));
