// Entry of the Pulumi program for `pulumi up` run by hand (Pulumi.yaml `main`); `npm run deploy`
// runs the same function inline. Pulumi's Node.js runtime compiles TypeScript only through
// ts-node, which this repository does not use; tsx transpiles app/pulumi.ts instead (no
// type-check: that is `npm run typecheck`).
require('tsx/cjs');
module.exports = require('./pulumi.ts').tasknoteProgram();
