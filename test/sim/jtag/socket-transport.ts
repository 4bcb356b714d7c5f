// remote_bitbang over TCP for the test JTAG host (jtag-driver.ts).
import { connect, type Socket } from 'node:net';

export function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Sends bytes and collects one reply byte per 'R' (bounded by a timeout). */
export function socketTransport(socket: Socket): (bytes: Uint8Array) => Promise<Uint8Array> {
  let pending: Buffer[] = [];
  let waiter: (() => void) | undefined;
  socket.on('data', (d: Buffer) => {
    pending.push(d);
    waiter?.();
  });
  return async (bytes) => {
    const expected = bytes.reduce((n, b) => n + (b === 0x52 ? 1 : 0), 0);
    socket.write(bytes);
    const deadline = Date.now() + 2000;
    for (;;) {
      const have = pending.reduce((n, b) => n + b.length, 0);
      if (have >= expected) break;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${expected} TDO bytes (have ${have})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    const all = Buffer.concat(pending);
    pending = [all.subarray(expected)].filter((b) => b.length > 0);
    return all.subarray(0, expected);
  };
}
