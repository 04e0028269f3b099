// The layering of docs/architecture.md, enforced. Each layer may import only what is below it:
//   core/                                   the leaf: imports nothing of ours
//   services/                               the services; their contracts are read by the layers above
//   constructs/, environments/, check/      each imports only core/ (and service contracts)
//   app/stack.ts (composition)              composes environments + constructs + contracts
//   review/, deploy/                        get synth injected; never import app/
//   app/ entry points, bin/                 the only place that wires everything
// `npm run lint:layers` runs it; test/architecture/layers.test.ts proves a back-arrow fails it.
const LAYER_FOLDERS = '^(core|services|constructs|environments|check|review|deploy|app|bin)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-is-a-leaf',
      comment: 'core/ holds the vocabulary every layer shares; it imports nothing of ours.',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: LAYER_FOLDERS, pathNot: '^core/' },
    },
    {
      name: 'services-stand-alone',
      comment: 'Services are built into images: they import only services/ (their own code and test support).',
      severity: 'error',
      from: { path: '^services/' },
      to: { path: LAYER_FOLDERS, pathNot: '^services/' },
    },
    {
      name: 'libraries-import-only-the-leaf',
      comment: 'constructs/, environments/ and check/ import core/ and the service contracts, never each other or what is above.',
      severity: 'error',
      from: { path: '^(constructs|environments|check)/' },
      to: {
        path: LAYER_FOLDERS,
        pathNot: ['^core/', '^services/(contracts\\.ts|[^/]+/src/contract\\.ts)$', '^$1/'],
      },
    },
    {
      name: 'check-knows-no-tasknote',
      comment: 'check/ validates anyone\'s YAML: it does not even import the service contracts.',
      severity: 'error',
      from: { path: '^check/' },
      to: { path: '^services/' },
    },
    {
      name: 'review-and-deploy-get-synth-injected',
      comment: 'review/ and deploy/ sit above the libraries and below the entry points; they never import app/ or each other.',
      severity: 'error',
      from: { path: '^(review|deploy)/' },
      to: { path: '^(app|bin|review|deploy)/', pathNot: '^$1/' },
    },
    {
      name: 'only-bin-imports-app',
      comment: 'app/ is the wiring; nothing but bin/ (and tests, benchmarks) imports it.',
      severity: 'error',
      from: { path: '^(core|services|constructs|environments|check|review|deploy|scripts)/' },
      to: { path: '^app/' },
    },
    {
      name: 'nothing-imports-tests',
      comment: 'Test helpers serve tests; shipped code and benchmarks do not import them.',
      severity: 'error',
      from: { path: '^(core|services/[^/]+/src|constructs|environments|check|review|deploy|app|bin|bench|scripts)/' },
      to: { path: '^(test/|services/[^/]+/test/)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: LAYER_FOLDERS },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    moduleSystems: ['cjs', 'es6'],
  },
};
