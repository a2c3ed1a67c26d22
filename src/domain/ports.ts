import type {
  CollectionConfig,
  Filter,
  Point,
  PointSelector,
  RetrievedPoint,
  RetrieveQuery,
  ScoredPoint,
  SearchQuery,
  CollectionStorage,
  StoredCollection,
} from './types.js';

/** How a collection will be used, so the store can prepare for it. */
export interface CreateCollectionOptions {
  /**
   * A keyword payload key partitioning the collection by tenant (a shared table): Qdrant
   * indexes it with `is_tenant: true`; stores without payload indexes ignore it.
   */
  readonly tenantKey?: string;
}

/**
 * A vector store holding physical collections. Adapters translate library failures to
 * VectorAdminError (not_found for a missing collection, unavailable when the store is down).
 */
export interface VectorStore {
  /** Creates a collection; already_exists when present. */
  createCollection(
    name: string,
    config: CollectionConfig,
    options?: CreateCollectionOptions,
  ): Promise<void>;
  /** Describes a collection with its real point count; undefined when missing. */
  getCollection(name: string): Promise<StoredCollection | undefined>;
  /** Names of the collections whose name starts with `prefix`, sorted. */
  listCollections(prefix: string): Promise<string[]>;
  /**
   * The footprint of each named collection (sizes, creation time), in the order given; missing
   * collections are left out. One call for many names: Qdrant reports sizes for all at once.
   */
  describeStorage(names: readonly string[]): Promise<CollectionStorage[]>;
  /** Deletes a collection; false when there was none. */
  deleteCollection(name: string): Promise<boolean>;
  /** Writes points (insert or replace by id); resolves once they are durable. */
  upsert(name: string, points: readonly Point[]): Promise<void>;
  /** Deletes the selected points; resolves once durable. */
  deletePoints(name: string, selector: PointSelector): Promise<void>;
  /** Nearest points by the collection's distance, scored as Qdrant scores them. */
  search(name: string, query: SearchQuery): Promise<ScoredPoint[]>;
  /**
   * The stored points among `query.ids`, each once, in the order of their first mention;
   * ids not stored are left out (Qdrant's retrieve).
   */
  retrieve(name: string, query: RetrieveQuery): Promise<RetrievedPoint[]>;
  /** Points matching the filter (all points without one). */
  count(name: string, filter: Filter | undefined, exact: boolean): Promise<number>;
  /** Resolves when the store answers; throws unavailable otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Writes to one tenant's table, as the metrics consumer summarized them. */
export interface WriteActivity {
  /** End of the newest upsert counted. */
  readonly lastWriteAt: Date;
  /** Points written per second in the newest summary window with upserts. */
  readonly pointsPerSecond: number;
}

/** Recent write activity per tenant and physical collection; undefined when none is known. */
export interface WriteActivitySource {
  activity(tenantId: string, collection: string): WriteActivity | undefined;
}

/** Where event delivery stands; writes are refused while `full`. */
export interface EventBusState {
  /** Accepted events not yet delivered. */
  readonly pending: number;
  /** The bound on pending events. */
  readonly capacity: number;
  /** At the bound: no more events are accepted. */
  readonly full: boolean;
  /** Whether events can be delivered now. */
  readonly connected: boolean;
  readonly lastError?: string;
}

/** Room for one event, held from before an operation starts until its event is queued. */
export interface EventReservation {
  /** Queues the event into the reserved room; never refused for lack of room. */
  publish(event: OperationEvent): Promise<void>;
  /** Gives the room back unused (an operation that files no event). */
  release(): void;
}

/** Publishes operation events; `publish` returns once the event is safely queued. */
export interface EventBus {
  publish(event: OperationEvent): Promise<void>;
  /**
   * Reserves room for one event now; throws unavailable when there is none. Writes reserve
   * before they run, so a write that ran always has room for its event.
   */
  reserve(): EventReservation;
  state(): EventBusState;
  close(): Promise<void>;
}

/** The operations that produce events; the subject's last token. */
export const Operation = {
  CreateCollection: 'create_collection',
  EnsureCollection: 'ensure_collection',
  GetCollection: 'get_collection',
  ListCollections: 'list_collections',
  DescribeCollections: 'describe_collections',
  DeleteCollection: 'delete_collection',
  ProvisionTenant: 'provision_tenant',
  DeprovisionTenant: 'deprovision_tenant',
  ListTables: 'list_tables',
  Upsert: 'upsert',
  DeletePoints: 'delete_points',
  GetPoints: 'get_points',
  Search: 'search',
  Count: 'count',
  StreamOpened: 'stream_opened',
  StreamClosed: 'stream_closed',
  /** A service process started; tenant and table are `_`. Marks earlier instances' streams as gone. */
  ServiceStarted: 'service_started',
  /** One run of the performance probe, scheduled or on demand; its steps have events of their own. */
  PerformanceTest: 'performance_test',
} as const;
export type Operation = (typeof Operation)[keyof typeof Operation];

/** What happened in one operation: the `data` of its CloudEvent. */
export interface OperationEvent {
  readonly id: string;
  readonly operation: Operation;
  /** The producing service process, random per start: streams of other instances are gone. */
  readonly instanceId: string;
  readonly tenantId: string;
  /** Empty for tenant-wide operations (list). */
  readonly table: string;
  /** The physical collection (for a shared table, the shared one). */
  readonly collection: string;
  readonly outcome: 'ok' | 'error';
  /** gRPC status code name, e.g. OK, INVALID_ARGUMENT. */
  readonly grpcCode: string;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly points?: number;
  /** Upserts: points the request sent (`points` counts distinct ids stored). */
  readonly pointsRequested?: number;
  readonly bytes?: number;
  readonly vectorSize?: number;
  readonly errorMessage?: string;
  readonly streamId?: string;
  readonly seq?: string;
  /** How many calls the event stands for, when more than one (refused calls, aggregated). */
  readonly calls?: number;
  /** W3C traceparent of the caller, when it sent one. */
  readonly traceparent?: string;
  readonly tracestate?: string;
}
