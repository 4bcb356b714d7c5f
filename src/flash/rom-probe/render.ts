/** The ROM-call probe plan as readable text and as JSON (addresses, masks and values as 0x… strings). */
import { hex32 } from '../../chips/types.js';
import type { Expr, PlanAddress, PlanPhase, PlanStep, RomProbePlan, When } from './plan.js';

function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16);
}

function popcount(n: number): number {
  let c = 0;
  for (let v = n >>> 0; v; v >>>= 1) c += v & 1;
  return c;
}

export function renderExpr(e: Expr): string {
  if (typeof e === 'number') return hex(e);
  if ('var' in e) return e.var;
  if ('and' in e) {
    const [x, mask] = e.and;
    const m = mask >>> 0;
    return popcount(m) > 16 ? `${renderExpr(x)} & ~${hex(~m)}` : `(${renderExpr(x)} & ${hex(m)})`;
  }
  if ('or' in e) return `${renderExpr(e.or[0])} | ${renderExpr(e.or[1])}`;
  return `(${renderExpr(e.minusOne)} − 1)`;
}

export function renderAddress(a: PlanAddress): string {
  return typeof a === 'number' ? hex32(a) : `${a.ptr}+${a.offset}`;
}

function renderWhen(w: When | undefined): string {
  if (!w) return '';
  const v = w.mask !== undefined ? `${w.var} & ${hex(w.mask)}` : w.var;
  return `  if ${v} ${w.nonzero ? '≠' : '='} 0`;
}

/** One step as a line of pseudo-code (without its explanation). */
export function describeStep(s: PlanStep): string {
  const tail = renderWhen(s.when);
  switch (s.op) {
    case 'read':
      return `${s.into} ← read${s.width} [${renderAddress(s.address)}]${tail}`;
    case 'check-range':
      return `require ${hex32(s.range.start)} ≤ ${s.var} < ${hex32(s.range.end)}${tail}`;
    case 'call':
      return `${s.into ? `${s.into} ← ` : ''}call ${s.fn.name} @${hex32(s.fn.address)}(${s.args.map(renderExpr).join(', ')})${tail}`;
    case 'poll':
      return `poll read32 [${hex32(s.address)}] & ${hex(s.mask)} = ${hex(s.equals)} (≤ ${s.maxPolls} reads)${tail}`;
    case 'stop-if':
      return `stop${tail}`;
    case 'save':
      return `save read32 ${s.registers.map((r) => r.name).join(', ')} (${s.registers.length} registers at ${hex32(s.registers[0]!.address)}…)${tail}`;
    case 'restore':
      return `restore write32 ${s.registers.length} saved registers, last saved first${tail}`;
    case 'write':
      return `write${s.width} [${renderAddress(s.address)}] ← ${renderExpr(s.value)}${tail}`;
    case 'command':
      return `write32 [${hex32(s.cmd)}] ← ${hex(s.bits)}; poll until those bits read 0 (≤ ${s.maxPolls} reads)${tail}`;
    case 'command-until':
      return `${s.into} ← repeat { W0 ← 0; CMD ← ${hex(s.bits)}; wait } until W0 & ${hex(s.mask)} = ${hex(s.equals)} (≤ ${s.maxPolls} times)${tail}`;
    case 'read-id':
      return `${s.into} ← read32 [${hex32(s.w0)}] & 0xffffff${tail}`;
    case 'raise-chip-size':
      return `write32 [${renderAddress(s.address)}] ← min(size(${s.idVar}), ${hex(s.limit)}) if larger than ${s.sizeVar}; ${s.into} ← whether it did${tail}`;
    case 'flash-reads':
      return `call ${s.fn.name} @${hex32(s.fn.address)}(offset, buffer, length) as needed, ≤ ${hex(s.chunk)} bytes each, below ${hex(s.limit)}${tail}`;
  }
}

const PHASE_TITLES: Record<PlanPhase, string> = {
  prepare: 'Prepare (halted; nothing changed yet except the suspended caches)',
  save: 'Save',
  id: 'JEDEC id (debugger register writes, no code runs)',
  read: 'Read the flash through the ROM (host decodes table, otadata, app headers)',
  restore: 'Restore (always, also after a failure; steps whose values were never read are skipped)',
};

export function renderPlanText(plan: RomProbePlan): string {
  const out: string[] = [`ROM-call probe plan for the ${plan.displayName} (${plan.architecture}): no compiled stub, only ROM functions and debugger register access`, ''];
  if (!plan.supported) {
    out.push(`Not available: ${plan.reason}.`, '');
    return out.join('\n');
  }
  out.push(`Calling:   ${plan.callingConvention}`);
  if (plan.workArea) out.push(`Work area: ${hex32(plan.workArea.start)}..${hex32(plan.workArea.end)} (trampoline, ${plan.stackSize}-byte stack, read buffer; backed up before, restored after)`);
  let n = 0;
  let phase: PlanPhase | undefined;
  for (const s of [...plan.steps, ...plan.cleanup]) {
    if (s.phase !== phase) {
      phase = s.phase;
      out.push('', PHASE_TITLES[phase]);
    }
    n++;
    out.push(`${String(n).padStart(4)}. ${describeStep(s)}`);
    out.push(`        ${s.what}${s.op === 'stop-if' || s.op === 'check-range' ? ` — otherwise: ${s.failure}` : ''}`);
    if (s.op === 'save') out.push(`        ${s.registers.map((r) => `${r.name} ${hex32(r.address)}`).join(', ')}`);
  }
  out.push('', 'Caveats');
  for (const c of plan.caveats) out.push(`  - ${c}`);
  out.push('');
  return out.join('\n');
}

const DECIMAL_KEYS = new Set(['maxPolls', 'width', 'offset', 'stackSize']);

/** The plan as a JSON value: every step gets its pseudo-code line; numbers that are addresses, masks or values become 0x… strings. */
export function planToJson(plan: RomProbePlan): unknown {
  const withText = (s: PlanStep) => ({ text: describeStep(s), ...s });
  const value = { ...plan, steps: plan.steps.map(withText), cleanup: plan.cleanup.map(withText) };
  return JSON.parse(JSON.stringify(value, (key, v: unknown) => (typeof v === 'number' && !DECIMAL_KEYS.has(key) ? hex32(v) : v)));
}
