// Entry of the Pulumi program (Pulumi.yaml `main`). Pulumi's Node.js runtime compiles TypeScript
// only through ts-node, which this repository does not use; tsx, which runs every other entry
// point here, transpiles app/pulumi.ts instead (no type-check: that is `npm run typecheck`).
require('tsx/cjs');
module.exports = require('./pulumi.ts');
