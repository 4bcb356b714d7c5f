/** The simulator layer: bus, hart, SPI flash, the ESP32-C3 and its in-process Target. */
export { Bus, BusMapError, type BusRegion, type RamMapOptions, type DeviceMapOptions } from './bus.js';
export { BusFault, type MemoryDevice, type AccessKind } from './device.js';
export * from './hart/index.js';
export * from './flash/index.js';
export * from './esp32c3/index.js';
export { SimTarget, HardwareBreakpointLimitError, WatchpointLimitError, DEFAULT_SLICE_INSTRUCTIONS, type SimTargetOptions } from './sim-target.js';
export * as jtag from './jtag/index.js';
