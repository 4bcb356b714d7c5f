/** Typed errors of the target layer. Each carries a stable `code` and a sentence a user can act on. */
import { counted, hex32 } from '../chips/types.js';

export class TargetError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class TargetTimeoutError extends TargetError {
  constructor(readonly operation: string, readonly timeoutMs: number) {
    super('TARGET_TIMEOUT', `${operation} did not complete within ${timeoutMs} ms`);
  }
}

export class TargetMemoryError extends TargetError {
  constructor(readonly address: number, readonly length: number, readonly access: 'read' | 'write', detail?: string) {
    super(
      'TARGET_MEMORY',
      `cannot ${access} ${counted(length, 'byte')} at ${hex32(address)}${detail ? `: ${detail}` : ''}`,
    );
  }
}

export class TargetRegisterError extends TargetError {
  constructor(readonly register: string, detail: string) {
    super('TARGET_REGISTER', `register ${register}: ${detail}`);
  }
}

export class TargetStateError extends TargetError {
  constructor(readonly operation: string, readonly state: string) {
    super(
      'TARGET_STATE',
      state === 'disconnected'
        ? `cannot ${operation}: the target is disconnected (closed, or its link dropped); connect again`
        : `${operation} needs the target halted, but it is ${state}`,
    );
  }
}

export class TargetDisconnectedError extends TargetError {
  constructor(readonly operation: string, detail?: string) {
    super('TARGET_DISCONNECTED', `connection lost during ${operation}${detail ? `: ${detail}` : ''}`);
  }
}

export class TargetUnsupportedError extends TargetError {
  constructor(readonly feature: string, detail?: string) {
    super('TARGET_UNSUPPORTED', `the target does not support ${feature}${detail ? `: ${detail}` : ''}`);
  }
}

/** A monitor command the target does not know. */
export class UnknownMonitorCommandError extends TargetError {
  constructor(readonly command: string, known: readonly string[]) {
    super('TARGET_UNKNOWN_MONITOR_COMMAND', `unknown monitor command '${command}'; known: ${known.join(', ')} (try 'monitor help')`);
  }
}
