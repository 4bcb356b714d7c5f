/** Deterministic example images and flash layouts built with the core builders. */
export { buildExampleApp, mmuPage, type ExampleAppSpec } from './app-image.js';
export { buildExampleBootloader, type ExampleBootloaderSpec } from './bootloader-image.js';
export {
  EXAMPLE_LAYOUTS, EXAMPLE_LAYOUT_NAMES, findExampleLayout, buildExampleFlash,
  type ExampleFlash, type ExampleLayout, type ExampleBuildOptions,
} from './layouts.js';
export { fillerBytes } from './filler.js';
