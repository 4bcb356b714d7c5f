export * from './types.js';
export * from './errors.js';
export * from './events.js';
export * from './riscv-registers.js';
export * from './xtensa-qemu-de212.js';
