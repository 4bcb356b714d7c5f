/**
 * Free TCP ports on 127.0.0.1 for the peers the tests start (OpenOCD, QEMU, the simulator's
 * servers). Ports asked for together are held open together until all are known, so that they are
 * distinct: asked for one at a time, the system may hand out a port just given back.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';

export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  }
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}
