export * as chips from './chips/index.js';
export * as target from './target/index.js';
export * as algorithm from './algorithm/index.js';
export * as image from './image/index.js';
export * as sim from './sim/index.js';
export * as gdb from './gdb/index.js';
export * as flash from './flash/index.js';
export * as romProbe from './flash/rom-probe/index.js';
