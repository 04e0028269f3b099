// The cluster lane's files in a fixed order: the fake-node files first, then the real-node ones,
// real-node.ctest.ts last because it ends with a whole cluster:down / cluster:up cycle.
const Sequencer = require('@jest/test-sequencer').default;

const LAST = ['deploy.ctest.ts', 'real-node.ctest.ts'];
const rank = (path) => {
  const i = LAST.findIndex((name) => path.endsWith(`/${name}`));
  return i < 0 ? -1 : i;
};

class ClusterSequencer extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => rank(a.path) - rank(b.path) || a.path.localeCompare(b.path));
  }
}

module.exports = ClusterSequencer;
