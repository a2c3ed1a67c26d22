import { metrics, trace, type Meter, type Tracer } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BasicTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/** The instrumentation scope of everything the consumer records. */
const SCOPE = 'vectoradmin-consumer';

/** Where the consumer sends spans and metrics. */
export interface ConsumerTelemetry {
  readonly tracer: Tracer;
  readonly meter: Meter;
  /** Collects the metrics in Prometheus text format; served on the scrape endpoint. */
  readonly prometheus: PrometheusExporter;
  /** Flushes pending spans and stops the providers. */
  shutdown(): Promise<void>;
}

// The spans describe operations of the VectorAdmin service (the consumer only rebuilds
// them), so that is the service they are filed under; OTEL_SERVICE_NAME still wins.
function baseResource(): Resource {
  return defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'vectoradmin' }));
}

/**
 * The production telemetry: the OpenTelemetry Node SDK, configured by the standard OTEL_*
 * variables (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT, _PROTOCOL, _HEADERS,
 * OTEL_SERVICE_NAME, OTEL_SDK_DISABLED ...), exporting spans over OTLP by default. Metrics go to
 * a Prometheus reader the caller serves. Registers the SDK globally: once per process.
 */
export function startSdkTelemetry(): ConsumerTelemetry {
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const sdk = new NodeSDK({
    resource: baseResource(),
    metricReaders: [prometheus],
    instrumentations: [],
  });
  sdk.start();
  return {
    tracer: trace.getTracer(SCOPE),
    meter: metrics.getMeter(SCOPE),
    prometheus,
    shutdown: () => sdk.shutdown(),
  };
}

/**
 * Telemetry without global registration, exporting spans through the given processors
 * (e.g. a SimpleSpanProcessor around an InMemorySpanExporter): for tests and embedding.
 */
export function createTelemetry(spanProcessors: SpanProcessor[]): ConsumerTelemetry {
  const resource = baseResource();
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors });
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ resource, readers: [prometheus] });
  return {
    tracer: tracerProvider.getTracer(SCOPE),
    meter: meterProvider.getMeter(SCOPE),
    prometheus,
    shutdown: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
