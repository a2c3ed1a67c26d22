import type { EventBus, EventBusState, OperationEvent } from '../domain/index.js';

/** Discards events; used only when events are switched off explicitly (VECTORADMIN_EVENTS=off). */
export class DisabledEventBus implements EventBus {
  publish(_event: OperationEvent): Promise<void> {
    return Promise.resolve();
  }
  state(): EventBusState {
    return { pending: 0, full: false, connected: true };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
