/** Every CLI command registers itself here: one file per command under src/cli/commands/. */
import type { Command } from 'commander';

export type CommandRegistrar = (program: Command) => void;

export const registrars: CommandRegistrar[] = [];
import { registerImageInfo } from './image-info.js';
import { registerFlashMap } from './flash-map.js';
import { registerExampleImage } from './example-image.js';
import { registerDemo } from './demo.js';
registrars.push(registerImageInfo, registerFlashMap, registerExampleImage, registerDemo);
import { registerSim } from './sim.js';
registrars.push(registerSim);
import { registerCall } from './call.js';
registrars.push(registerCall);
import { registerExplain } from './explain.js';
registrars.push(registerExplain);
import { registerProbe } from './probe.js';
registrars.push(registerProbe);
import { registerFlash } from './flash.js';
registrars.push(registerFlash);
import { registerOta } from './ota.js';
registrars.push(registerOta);
import { registerRomProbe } from './rom-probe.js';
registrars.push(registerRomProbe);
import { registerElf2Image } from './image-elf2image.js';
import { registerMerge } from './image-merge.js';
import { registerPartitionTable } from './image-partition-table.js';
import { registerOtadata } from './image-otadata.js';
registrars.push(registerElf2Image, registerMerge, registerPartitionTable, registerOtadata);
