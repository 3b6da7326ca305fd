/**
 * Free TCP ports on 127.0.0.1 for the throwaway test servers.
 *
 * Why: several servers (MariaDB, Redis, Kafka broker and controller) start side
 * by side on a shared machine, so none may use a fixed port. Listening on port 0
 * lets the kernel pick an unused one; we read it back and close the socket so
 * the server can bind it right after. The gap between close and the server's
 * bind is short, and callers that start several servers should still treat a
 * bind failure as a reason to retry.
 */
import net from 'node:net';

/** Resolve with a TCP port on 127.0.0.1 that was free a moment ago. */
export function findFreePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port the kernel picked'));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}
