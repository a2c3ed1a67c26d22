import type { EventBus, EventBusState, EventReservation, OperationEvent } from '../domain/index.js';

/** Discards events; used only when events are switched off explicitly (VECTORADMIN_EVENTS=off). */
export class DisabledEventBus implements EventBus {
  publish(_event: OperationEvent): Promise<void> {
    return Promise.resolve();
  }
  reserve(): EventReservation {
    return { publish: () => Promise.resolve(), release: () => undefined };
  }
  state(): EventBusState {
    return { pending: 0, capacity: Number.MAX_SAFE_INTEGER, full: false, connected: true };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
