/**
 * Real TLS servers on loopback standing in for a fleet's nodes (the fleet check connects to each
 * address on one port): every server listens on the same port at its own 127.0.0.x address, the
 * first on a free port the system picks.
 */
import { createServer, type Server } from 'node:tls';
import { exportPrivateKeyPem, type Identity } from '@nodeid/sdk';

/** TLS servers at 127.0.0.x addresses sharing one port; {@link TlsFleet.close} stops them all. */
export class TlsFleet {
  /** The port every server listens on (0 until the first one listens). */
  port = 0;
  private readonly servers: Server[] = [];

  /**
   * Starts a TLS server at `host` on the fleet's port (a free one for the first) presenting
   * `identity` with `issuerPem` (its CA certificate) as its chain.
   */
  async serve(host: string, identity: Identity, issuerPem: string): Promise<void> {
    const server = createServer({
      cert: identity.certificate.pem + issuerPem,
      key: await exportPrivateKeyPem(identity.privateKey),
    });
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, host, () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.servers.push(server);
  }

  /** Closes every server started. */
  async close(): Promise<void> {
    for (const s of this.servers) await new Promise((resolve) => s.close(resolve));
    this.servers.length = 0;
  }
}
