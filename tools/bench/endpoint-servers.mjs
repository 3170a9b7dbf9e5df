/**
 * The endpoints of the endpoint-check bench, in a process of their own so that serving does not
 * share the checker's event loop: `node endpoint-servers.mjs CERT KEY COUNT` starts COUNT
 * `node:tls` servers on 127.0.0.1 (free ports) with the given chain and key, prints their ports
 * as one JSON line, and serves until its standard input closes.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

const [certFile, keyFile, count] = process.argv.slice(2);
const options = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
const servers = [];
for (let i = 0; i < Number(count); i++) {
  const server = tls.createServer(options, (socket) => socket.end());
  server.on('tlsClientError', () => {});
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
}
process.stdout.write(`${JSON.stringify(servers.map((s) => s.address().port))}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
