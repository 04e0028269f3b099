// Runs inside a pod's network namespace (via nsenter) and joins it to the test
// process through unix sockets, which do not belong to any network namespace.
//   out: 127.0.0.1:<port> in the pod  -> unix socket served by the test process
//   in:  unix socket for the test     -> 127.0.0.1:<port> in the pod (probes)
// Plain JavaScript: it runs under bare node, before any loader.
'use strict';
const net = require('node:net');
const fs = require('node:fs');

const spec = JSON.parse(process.argv[2]);

function pipe(client, upstream) {
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
}

function listen(server, where) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(where, resolve);
  });
}

async function main() {
  const servers = [];
  for (const { port, socket } of spec.out) {
    const server = net.createServer((c) => pipe(c, net.connect(socket)));
    await listen(server, { port, host: '127.0.0.1' });
    servers.push(server);
  }
  for (const { socket, port } of spec.in) {
    fs.rmSync(socket, { force: true });
    const server = net.createServer((c) => pipe(c, net.connect(port, '127.0.0.1')));
    await listen(server, socket);
    servers.push(server);
  }
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    for (const s of servers) s.close();
    process.exit(0);
  });
}

main().catch((err) => {
  process.stderr.write(`netns-relay: ${err.stack ?? err}\n`);
  process.exit(1);
});
