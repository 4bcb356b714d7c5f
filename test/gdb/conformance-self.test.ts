/** The conformance suite against espalgo's own server serving the fake target. */
import { after } from 'node:test';
import { FakeTarget } from './fake-target.js';
import { runConformance } from './conformance.js';
import { startGdbServer } from '../../src/gdb/server.js';
import { connectRemote } from '../../src/gdb/remote-target.js';
import type { GdbServerHandle } from '../../src/gdb/server.js';

const fake = new FakeTarget();
let server: GdbServerHandle | undefined;
after(async () => {
  await server?.close();
  await fake.close();
});

runConformance('espalgo server + fake target', async () => {
  server = await startGdbServer(fake, { port: 0 });
  return connectRemote('127.0.0.1', server.port, { timeoutMs: 2000 });
}, {
  ramBase: 0x80100000,
  loopAddress: 0x80000118,
  loopRange: [0x80000100, 0x80000140],
  unmappedAddress: 0x10000000,
  haltTimeoutMs: 3000,
});
