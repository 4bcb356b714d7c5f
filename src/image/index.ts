/** Firmware image toolkit: ESP images, descriptors, partition tables, otadata, MCUboot, ELF, merge. */
export type * from './types.js';
