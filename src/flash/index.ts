/** The flash layer: the flasher stub's protocol and client, sessions, and read/write/erase/verify/blank check. */
export * from './stub-protocol.js';
export * from './stub-errors.js';
export * from './stub-client.js';
export * from './errors.js';
export * from './progress.js';
export * from './planner.js';
export * from './session.js';
export * from './digests.js';
export * from './transfer.js';
export * from './read.js';
export * from './erase.js';
export * from './blank-check.js';
export * from './verify.js';
export * from './write.js';
export * from './partition-lookup.js';
export * from './boot-select.js';
export { sessionGeometry } from './geometry.js';
// probe (flash size and mappings on a live target):
export { probeFlash, probeWithStub, probeWithoutStub, type ProbeOptions } from './probe.js';
export type { ProbeReport, ProbeId, ProbeMappings, OpenocdOutcome, ProbeMethod, MappingSource } from './probe-report.js';
export { decideFlashSize, analyzeIdRead, legacyOpenocdSizeFromCapacity, formatJedec, type ProbeSize, type SizeSource, type SizeSourceKind, type SizeInputs, type IdReadAnalysis, type DummySource } from './probe-size.js';
export { SparseFlash, hostLayout, walkApp, crossCheck, type FlashReader, type StridedReader, type HostLayout, type HostLayoutOptions, type ProbeSegment, type CrossCheck, type AppChoice, type AppFormat, type WalkedApp } from './probe-mappings.js';
export { probeThroughWindows, readMmuTable, mmuRuns, mmuLayoutFor, ESP32C3_MMU, type WindowFallback, type MmuRun, type MmuLayout } from './probe-fallback.js';
// what StubClient.streamWrite and the write options take:
export type { StreamSource } from './stream-source.js';
export type { DeflatedImage } from './deflated-image.js';
// the MCUboot load header's mappings (image layer), as the probe reads them:
export { decodeMcubootLoadHeader } from '../image/mcuboot.js';
