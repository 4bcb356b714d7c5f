export * from './backing.js';
export * from './commands.js';
export * from './jedec.js';
export * from './spi-nor.js';
