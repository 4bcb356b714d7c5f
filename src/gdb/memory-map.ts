/** GDB memory maps (qXfer:memory-map:read): regions of RAM, ROM and flash with their block sizes. */
import { parseXml, parseXmlNumber } from './xml.js';

export interface MemoryRegion {
  readonly type: 'ram' | 'rom' | 'flash';
  readonly start: number;
  readonly length: number;
  /** Erase block size of a flash region. */
  readonly blockSize?: number;
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

/** Write a memory map document. */
export function generateMemoryMapXml(regions: readonly MemoryRegion[]): string {
  const lines = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE memory-map PUBLIC "+//IDN gnu.org//DTD GDB Memory Map V1.0//EN" "http://sourceware.org/gdb/gdb-memory-map.dtd">',
    '<memory-map>',
  ];
  for (const r of regions) {
    const head = `  <memory type="${r.type}" start="${hex(r.start)}" length="0x${r.length.toString(16)}"`;
    if (r.type === 'flash' && r.blockSize !== undefined) {
      lines.push(`${head}>`, `    <property name="blocksize">0x${r.blockSize.toString(16)}</property>`, '  </memory>');
    } else {
      lines.push(`${head}/>`);
    }
  }
  lines.push('</memory-map>');
  return lines.join('\n') + '\n';
}

/** Parse a memory map document; regions with an unknown type or bad numbers are skipped. */
export function parseMemoryMapXml(xml: string): MemoryRegion[] {
  const root = parseXml(xml);
  if (root.name !== 'memory-map') throw new Error(`expected <memory-map>, found <${root.name}>`);
  const regions: MemoryRegion[] = [];
  for (const el of root.children) {
    if (el.name !== 'memory') continue;
    const type = el.attributes['type'];
    const start = parseXmlNumber(el.attributes['start']);
    const length = parseXmlNumber(el.attributes['length']);
    if ((type !== 'ram' && type !== 'rom' && type !== 'flash') || start === undefined || length === undefined) continue;
    const block = el.children.find((c) => c.name === 'property' && c.attributes['name'] === 'blocksize');
    const blockSize = parseXmlNumber(block?.text);
    regions.push({ type, start: start >>> 0, length, ...(blockSize !== undefined ? { blockSize } : {}) });
  }
  return regions;
}
