/** Findings as text: one block per finding, severity first, wrapped to the terminal. */
import { counted } from './format.js';
import type { Style } from './style.js';
import { wrapText } from './table.js';

export interface FindingLike {
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: string;
  readonly message: string;
}

export function renderFindings(findings: readonly FindingLike[], st: Style, columns: number): string {
  if (findings.length === 0) return `  ${st.green('no findings')}\n`;
  const order = { error: 0, warning: 1, info: 2 } as const;
  const sorted = [...findings].sort((a, b) => order[a.severity] - order[b.severity]);
  return sorted
    .map((f) => {
      const tag = f.severity === 'error' ? st.red('error  ') : f.severity === 'warning' ? st.yellow('warning') : st.dim('info   ');
      return `  ${tag} ${st.bold(f.code)}\n          ${wrapText(f.message, columns, 10)}\n`;
    })
    .join('');
}

/** "1 error, 2 warnings, 0 info"; without the info count where the findings leave info out (`info` false). */
export function summaryLine(findings: readonly FindingLike[], { info = true }: { info?: boolean } = {}): string {
  const n = (s: FindingLike['severity']): number => findings.filter((f) => f.severity === s).length;
  return `${counted(n('error'), 'error')}, ${counted(n('warning'), 'warning')}${info ? `, ${n('info')} info` : ''}`;
}
