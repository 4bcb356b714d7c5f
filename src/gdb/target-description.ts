/**
 * GDB target descriptions: reading them (with `xi:include`s) into RegisterInfo lists,
 * and writing one for a Target's register file.
 */
import type { Architecture } from '../chips/types.js';
import type { RegisterInfo } from '../target/types.js';
import { RISCV_GDB_PC_REGNUM } from '../target/riscv-registers.js';
import { parseXml, escapeXml, parseXmlNumber, type XmlElement } from './xml.js';

export interface TargetDescription {
  /** The `<architecture>` text, e.g. "riscv:rv32". */
  readonly architecture?: string;
  /** Registers in document order with their GDB numbers (no `offset`: that depends on the `g` reply). */
  readonly registers: RegisterInfo[];
  /** Files read, target.xml first. */
  readonly files: readonly string[];
}

const FEATURE_GROUPS: Record<string, string> = {
  'org.gnu.gdb.riscv.cpu': 'general',
  'org.gnu.gdb.riscv.csr': 'csr',
  'org.gnu.gdb.riscv.fpu': 'float',
  'org.gnu.gdb.riscv.virtual': 'system',
};

/**
 * Read target.xml and everything it includes through `read(annex)` (qXfer:features:read).
 * Includes are followed to a depth of 4 and at most 64 files.
 */
export async function loadTargetDescription(read: (annex: string) => Promise<string>): Promise<TargetDescription> {
  const files: string[] = [];
  const expand = async (annex: string, depth: number): Promise<XmlElement> => {
    if (depth > 4 || files.length >= 64) throw new Error(`target description includes nest too deep at ${annex}`);
    files.push(annex);
    const root = parseXml(await read(annex));
    return resolveIncludes(root, depth);
  };
  const resolveIncludes = async (el: XmlElement, depth: number): Promise<XmlElement> => {
    const children: XmlElement[] = [];
    for (const child of el.children) {
      if (child.name === 'xi:include' || child.name === 'include') {
        const href = child.attributes['href'];
        if (href) children.push(await expand(href, depth + 1));
      } else {
        children.push(await resolveIncludes(child, depth));
      }
    }
    return { ...el, children };
  };
  const root = await expand('target.xml', 0);
  return { ...describe(root), files };
}

/** Parse a description that has no includes left (or whose includes are to be ignored). */
export function parseTargetDescription(xml: string): Omit<TargetDescription, 'files'> {
  return describe(parseXml(xml));
}

function describe(root: XmlElement): Omit<TargetDescription, 'files'> {
  let architecture: string | undefined;
  const registers: RegisterInfo[] = [];
  let next = 0;
  const walk = (el: XmlElement, feature: string | undefined) => {
    for (const child of el.children) {
      if (child.name === 'architecture') architecture ??= child.text;
      else if (child.name === 'feature') walk(child, child.attributes['name']);
      else if (child.name === 'reg') {
        const name = child.attributes['name'];
        const bitsize = parseXmlNumber(child.attributes['bitsize']);
        if (!name || bitsize === undefined) continue;
        const regnum = parseXmlNumber(child.attributes['regnum']) ?? next;
        next = regnum + 1;
        const group = child.attributes['group'] ?? (feature ? FEATURE_GROUPS[feature] : undefined);
        const type = child.attributes['type'];
        registers.push({ name, regnum, bitsize, ...(group ? { group } : {}), ...(type ? { type } : {}), ...(feature ? { feature } : {}) });
      } else if (child.name === 'target' || child.name === 'xi:include' || child.name === 'include') {
        walk(child, feature);
      }
      // Types (vector, flags, struct, union) describe layouts we do not need.
    }
  };
  walk({ name: '#', attributes: {}, children: [root], text: '' }, undefined);
  return { ...(architecture ? { architecture } : {}), registers };
}

/** Map an `<architecture>` string to ours. */
export function architectureFromDescription(text: string | undefined): Architecture | undefined {
  if (!text) return undefined;
  if (/^riscv/i.test(text)) return 'riscv32';
  if (/xtensa/i.test(text)) return 'xtensa';
  return undefined;
}

/**
 * Byte offsets in the `g` reply: registers ordered by number, each after the one before,
 * and only those that fit in `gLength` bytes. Registers beyond it get no offset (use `p`/`P`).
 */
export function assignGOffsets(registers: readonly RegisterInfo[], gLength: number): RegisterInfo[] {
  const order = [...registers].sort((a, b) => a.regnum - b.regnum);
  const offsets = new Map<RegisterInfo, number>();
  let offset = 0;
  for (const reg of order) {
    const size = Math.ceil(reg.bitsize / 8);
    if (offset + size > gLength) break;
    offsets.set(reg, offset);
    offset += size;
  }
  return registers.map((reg) => {
    const { offset: _old, ...rest } = reg;
    const o = offsets.get(reg);
    return o === undefined ? rest : { ...rest, offset: o };
  });
}

const ARCH_NAMES: Record<Architecture, string> = { riscv32: 'riscv:rv32', xtensa: 'xtensa' };

function defaultFeature(architecture: Architecture, reg: RegisterInfo): string {
  if (architecture === 'riscv32') return reg.regnum <= RISCV_GDB_PC_REGNUM ? 'org.gnu.gdb.riscv.cpu' : 'org.gnu.gdb.riscv.csr';
  return 'org.gnu.gdb.xtensa.core';
}

function defaultType(reg: RegisterInfo): string {
  if (reg.name === 'pc') return 'code_ptr';
  if (reg.name === 'sp') return 'data_ptr';
  return 'int';
}

/** Write a target description (one document, no includes) for a register file. */
export function generateTargetXml(architecture: Architecture, registers: readonly RegisterInfo[]): string {
  const features = new Map<string, RegisterInfo[]>();
  for (const reg of [...registers].sort((a, b) => a.regnum - b.regnum)) {
    const feature = reg.feature ?? defaultFeature(architecture, reg);
    let list = features.get(feature);
    if (!list) features.set(feature, (list = []));
    list.push(reg);
  }
  const lines = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE target SYSTEM "gdb-target.dtd">',
    '<target version="1.0">',
    `  <architecture>${ARCH_NAMES[architecture]}</architecture>`,
  ];
  for (const [feature, regs] of features) {
    lines.push(`  <feature name="${escapeXml(feature)}">`);
    for (const reg of regs) {
      const group = reg.group ? ` group="${escapeXml(reg.group)}"` : '';
      lines.push(`    <reg name="${escapeXml(reg.name)}" bitsize="${reg.bitsize}" regnum="${reg.regnum}" type="${escapeXml(reg.type ?? defaultType(reg))}"${group}/>`);
    }
    lines.push('  </feature>');
  }
  lines.push('</target>');
  return lines.join('\n') + '\n';
}
