// Run in a Dockerfile's prod-deps stage: deletes from node_modules every
// package that the workspace's production dependencies do not reach.
//
// `npm ci --omit=dev --workspace X` omits only what is dev for the whole
// repository: a package that X needs only for development (typescript) but
// that another workspace or the root needs in production stays installed.
//   node prod-closure.js services/api
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = process.cwd();
const workspace = path.resolve(root, process.argv[2]);

function manifest(dir) {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
}

/** Node's lookup: the nearest node_modules/<name> from dir upwards. */
function resolve(fromDir, name) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    if (dir === path.dirname(dir)) return null;
  }
}

const keep = new Set();
function visit(dir, edges) {
  for (const [name, optional] of edges) {
    const found = resolve(dir, name);
    if (found === null) {
      if (optional) continue;
      throw new Error(`${path.relative(root, dir) || '.'} needs ${name}, which is not installed`);
    }
    if (keep.has(found)) continue;
    keep.add(found);
    visit(found, edgesOf(manifest(found)));
  }
}

function edgesOf(pkg) {
  return [
    ...Object.keys(pkg.dependencies ?? {}).map((n) => [n, false]),
    ...Object.keys(pkg.optionalDependencies ?? {}).map((n) => [n, true]),
    // npm installs peers itself; one that is absent was optional or satisfied elsewhere.
    ...Object.keys(pkg.peerDependencies ?? {}).map((n) => [n, true]),
  ];
}

visit(workspace, edgesOf(manifest(workspace)));

let removed = 0;
function sweep(modulesDir) {
  if (!fs.existsSync(modulesDir)) return;
  for (const entry of fs.readdirSync(modulesDir)) {
    const full = path.join(modulesDir, entry);
    if (entry === '.bin' || entry === '.package-lock.json') {
      fs.rmSync(full, { recursive: true, force: true });
    } else if (entry.startsWith('@')) {
      sweep(full);
      if (fs.readdirSync(full).length === 0) fs.rmdirSync(full);
    } else if (keep.has(full)) {
      sweep(path.join(full, 'node_modules'));
    } else {
      fs.rmSync(full, { recursive: true, force: true });
      removed++;
    }
  }
}
sweep(path.join(root, 'node_modules'));
sweep(path.join(workspace, 'node_modules'));
console.log(`prod-closure: kept ${keep.size} packages for ${path.relative(root, workspace)}, removed ${removed}`);
