import type { TargetEvent, TargetListener } from './types.js';

/** A small listener list for TargetEvent; listeners that throw do not stop the others. */
export class TargetEvents {
  private readonly listeners = new Set<TargetListener>();

  on(listener: TargetListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: TargetEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A broken listener must not break the target.
      }
    }
  }
}
