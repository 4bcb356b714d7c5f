/** GDB Remote Serial Protocol: codec, client (RemoteTarget) and server (serves any Target). */
export * from './codec.js';
export * from './hex.js';
export { RspFramer, type RspFrame, type FramerOptions } from './framer.js';
export * from './errors.js';
export * from './stop-reply.js';
export * from './features.js';
export * from './target-description.js';
export * from './memory-map.js';
export { RegisterFile } from './register-file.js';
export { RspConnection, type RequestOptions, type ConnectionOptions, type ConnectionStats, type Expect } from './connection.js';
export { detectServerKind, DEFAULT_PACKET_SIZE, type ServerKind, type ServerInfo } from './remote-discovery.js';
export { writeChunkSize, readChunkSize, planChunks } from './remote-memory.js';
export { RemoteTarget, connectRemote, type RemoteOptions } from './remote-target.js';
export { GdbServerCore, type CoreResult, type ServerReply, type ServerCoreOptions } from './server-core.js';
export { GdbServerSession, type SessionIo } from './server-session.js';
export { startGdbServer, type GdbServerOptions, type GdbServerHandle } from './server.js';
