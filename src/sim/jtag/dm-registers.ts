/** Debug Module register addresses and fields (RISC-V External Debug Support 0.13.2, chapter 3). */

export const DM = {
  data0: 0x04,
  data11: 0x0f,
  dmcontrol: 0x10,
  dmstatus: 0x11,
  hartinfo: 0x12,
  haltsum1: 0x13,
  hawindowsel: 0x14,
  hawindow: 0x15,
  abstractcs: 0x16,
  command: 0x17,
  abstractauto: 0x18,
  confstrptr0: 0x19,
  nextdm: 0x1d,
  progbuf0: 0x20,
  progbuf15: 0x2f,
  authdata: 0x30,
  haltsum2: 0x34,
  haltsum3: 0x35,
  sbaddress3: 0x37,
  sbcs: 0x38,
  sbaddress0: 0x39,
  sbaddress1: 0x3a,
  sbaddress2: 0x3b,
  sbdata0: 0x3c,
  sbdata1: 0x3d,
  sbdata2: 0x3e,
  sbdata3: 0x3f,
  haltsum0: 0x40,
} as const;

export const DMCONTROL = {
  haltreq: 1 << 31,
  resumereq: 1 << 30,
  hartreset: 1 << 29,
  ackhavereset: 1 << 28,
  hasel: 1 << 26,
  hartselloShift: 16,
  hartselloMask: 0x3ff,
  hartselhiShift: 6,
  hartselhiMask: 0x3ff,
  setresethaltreq: 1 << 3,
  clrresethaltreq: 1 << 2,
  ndmreset: 1 << 1,
  dmactive: 1 << 0,
} as const;

export const DMSTATUS = {
  impebreak: 1 << 22,
  allhavereset: 1 << 19,
  anyhavereset: 1 << 18,
  allresumeack: 1 << 17,
  anyresumeack: 1 << 16,
  allnonexistent: 1 << 15,
  anynonexistent: 1 << 14,
  allunavail: 1 << 13,
  anyunavail: 1 << 12,
  allrunning: 1 << 11,
  anyrunning: 1 << 10,
  allhalted: 1 << 9,
  anyhalted: 1 << 8,
  authenticated: 1 << 7,
  authbusy: 1 << 6,
  hasresethaltreq: 1 << 5,
  confstrptrvalid: 1 << 4,
  /** version field value for spec 0.13. */
  version013: 2,
} as const;

export const ABSTRACTCS = {
  progbufsizeShift: 24,
  busy: 1 << 12,
  cmderrShift: 8,
  cmderrMask: 7 << 8,
  datacountMask: 0xf,
} as const;

/** abstractcs.cmderr values. */
export const CMDERR = {
  none: 0,
  busy: 1,
  notSupported: 2,
  exception: 3,
  haltResume: 4,
  bus: 5,
  other: 7,
} as const;
export type CmdErr = (typeof CMDERR)[keyof typeof CMDERR];

/** command register, cmdtype 0 (Access Register). */
export const ACCESS_REGISTER = {
  cmdtypeShift: 24,
  aarsizeShift: 20,
  aarsizeMask: 7,
  aarpostincrement: 1 << 19,
  postexec: 1 << 18,
  transfer: 1 << 17,
  write: 1 << 16,
  regnoMask: 0xffff,
} as const;

export const REGNO = {
  csrFirst: 0x0000,
  csrLast: 0x0fff,
  gprFirst: 0x1000,
  gprLast: 0x101f,
  fprFirst: 0x1020,
  fprLast: 0x103f,
} as const;

export const SBCS = {
  sbversionShift: 29,
  sbbusyerror: 1 << 22,
  sbbusy: 1 << 21,
  sbreadonaddr: 1 << 20,
  sbaccessShift: 17,
  sbaccessMask: 7,
  sbautoincrement: 1 << 16,
  sbreadondata: 1 << 15,
  sberrorShift: 12,
  sberrorMask: 7 << 12,
  sbasizeShift: 5,
  sbaccess128: 1 << 4,
  sbaccess64: 1 << 3,
  sbaccess32: 1 << 2,
  sbaccess16: 1 << 1,
  sbaccess8: 1 << 0,
} as const;

/** sbcs.sberror values. */
export const SBERROR = {
  none: 0,
  timeout: 1,
  badAddress: 2,
  alignment: 3,
  unsupportedSize: 4,
  other: 7,
} as const;

/** Debug CSR numbers the Debug Module touches. */
export const DEBUG_CSR = {
  dcsr: 0x7b0,
  dpc: 0x7b1,
  dscratch0: 0x7b2,
} as const;

export const DCSR_STEP = 1 << 2;
