import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Qdrant's OpenAPI spec (qdrant/qdrant master), vendored so a bare clone tests the adapter;
 * test/unit/qdrant-spec-fixture.test.ts checks it against the reference copy in shared/.
 */
export const SPEC_URL = new URL('../fixtures/qdrant-openapi.json', import.meta.url);
/** The reference copy beside the repo, where the project's machines keep it. */
export const REFERENCE_SPEC_URL = new URL(
  '../../../shared/reference/qdrant-openapi.json',
  import.meta.url,
);
const SPEC_ID = 'qdrant-openapi.json';

type Json = Record<string, unknown>;

interface OpenApiParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly schema: unknown;
}

interface OpenApiOperation {
  readonly operationId: string;
  readonly parameters?: readonly OpenApiParameter[];
  readonly requestBody?: {
    readonly required?: boolean;
    readonly content: Record<string, { schema: unknown }>;
  };
  readonly responses: Record<string, { readonly content?: Record<string, { schema: unknown }> }>;
}

/** One operation of the spec, matched from a request's method and path. */
export interface SpecMatch {
  readonly operationId: string;
  readonly template: string;
  readonly pathParams: Readonly<Record<string, string>>;
  readonly operation: OpenApiOperation;
}

/**
 * OpenAPI 3.0 schema -> JSON Schema for ajv: `nullable` becomes a null type (a bare
 * `{nullable: true}`, which Qdrant's generator puts in `anyOf`, means "or null"), refs point
 * into the components document, and `example` (data, not schema) goes.
 */
function toJsonSchema(node: unknown): unknown {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === 'properties') {
      out[key] = Object.fromEntries(
        Object.entries(value as Json).map(([k, v]) => [k, toJsonSchema(v)]),
      );
    } else if (key === 'items' || key === 'additionalProperties' || key === 'not') {
      out[key] = toJsonSchema(value);
    } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
      out[key] = (value as unknown[]).map(toJsonSchema);
    } else if (key === '$ref' && typeof value === 'string' && value.startsWith('#/')) {
      out[key] = `${SPEC_ID}${value}`;
    } else if (key !== 'example' && key !== 'nullable') {
      out[key] = value;
    }
  }
  if ((node as Json).nullable !== true) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
    return out;
  }
  if ('$ref' in out || 'anyOf' in out || 'oneOf' in out || 'allOf' in out) {
    return { anyOf: [out, { type: 'null' }] };
  }
  return { ...out, type: 'null' };
}

function numberFormat(validate: (n: number) => boolean) {
  return { type: 'number' as const, validate };
}

function newAjv(): Ajv {
  // strict: false tolerates OpenAPI-only keywords (deprecated, discriminator-free unions...).
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const uint = (max: number) => numberFormat((n) => Number.isInteger(n) && n >= 0 && n <= max);
  ajv.addFormat('uint8', uint(255));
  ajv.addFormat('uint32', uint(2 ** 32 - 1));
  ajv.addFormat('uint64', uint(2 ** 64 - 1));
  ajv.addFormat('uint', uint(2 ** 64 - 1));
  ajv.addFormat(
    'int64',
    numberFormat((n) => Number.isInteger(n)),
  );
  ajv.addFormat(
    'float',
    numberFormat((n) => Number.isFinite(n) && Math.abs(n) <= 3.4028234663852886e38),
  );
  ajv.addFormat(
    'double',
    numberFormat((n) => Number.isFinite(n)),
  );
  ajv.addFormat('partial-date-time', { type: 'string', validate: () => true });
  return ajv;
}

/** Qdrant's OpenAPI spec, compiled lazily per operation, checking requests and responses. */
export class QdrantSpec {
  readonly #ajv = newAjv();
  readonly #routes: {
    template: string;
    method: string;
    regex: RegExp;
    names: string[];
    op: OpenApiOperation;
  }[] = [];
  readonly #validators = new Map<string, ValidateFunction>();

  constructor() {
    const spec = JSON.parse(readFileSync(SPEC_URL, 'utf8')) as {
      paths: Record<string, Record<string, OpenApiOperation>>;
      components: { schemas: Json };
    };
    const schemas = Object.fromEntries(
      Object.entries(spec.components.schemas).map(([name, s]) => [name, toJsonSchema(s)]),
    );
    this.#ajv.addSchema({ $id: SPEC_ID, components: { schemas } });
    for (const [template, methods] of Object.entries(spec.paths)) {
      const names: string[] = [];
      const pattern = template
        .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
        .replace(/\{([^}]+)\}/g, (_, name: string) => {
          names.push(name);
          return '([^/]+)';
        });
      for (const [method, op] of Object.entries(methods)) {
        this.#routes.push({
          template,
          method: method.toUpperCase(),
          regex: new RegExp(`^${pattern}$`),
          names,
          op,
        });
      }
    }
    // A literal segment beats a parameter: /collections/aliases is not /collections/{name}.
    this.#routes.sort((a, b) => a.names.length - b.names.length);
  }

  /** The operation a request addresses, or undefined when the spec has none. */
  match(method: string, pathname: string): SpecMatch | undefined {
    for (const route of this.#routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(pathname);
      if (m === null) continue;
      const pathParams = Object.fromEntries(
        route.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]),
      );
      return {
        operationId: route.op.operationId,
        template: route.template,
        pathParams,
        operation: route.op,
      };
    }
    return undefined;
  }

  /** Every way the request breaks the spec: path and query parameters and the JSON body. */
  validateRequest(
    match: SpecMatch,
    query: URLSearchParams,
    contentType: string | undefined,
    body: string,
  ): string[] {
    const where = match.operationId;
    const problems: string[] = [];
    const params = match.operation.parameters ?? [];
    for (const p of params.filter((p) => p.in === 'path')) {
      problems.push(
        ...this.#check(
          `${where}:path:${p.name}`,
          p.schema,
          match.pathParams[p.name],
          `path ${p.name}`,
        ),
      );
    }
    const declared = new Map(params.filter((p) => p.in === 'query').map((p) => [p.name, p]));
    for (const name of new Set(query.keys())) {
      const p = declared.get(name);
      if (p === undefined) {
        problems.push(`${where}: query parameter "${name}" is not in the spec`);
        continue;
      }
      const values = query.getAll(name);
      if (values.length > 1) problems.push(`${where}: query parameter "${name}" repeated`);
      const raw = values[0]!;
      // A query value is text; it is valid if the text or its JSON reading (true, 3) fits.
      const asText = this.#check(`${where}:query:${name}`, p.schema, raw, `query ${name}`);
      if (
        asText.length > 0 &&
        this.#check(`${where}:query:${name}`, p.schema, parseJson(raw), '').length > 0
      ) {
        problems.push(...asText);
      }
    }
    for (const p of declared.values()) {
      if (p.required === true && !query.has(p.name))
        problems.push(`${where}: query parameter "${p.name}" missing`);
    }
    const requestBody = match.operation.requestBody;
    if (body.length === 0) {
      if (requestBody?.required === true) problems.push(`${where}: body required`);
      return problems;
    }
    const schema = requestBody?.content['application/json']?.schema;
    if (schema === undefined) return [...problems, `${where}: the spec declares no JSON body`];
    if (contentType?.split(';')[0]?.trim() !== 'application/json') {
      problems.push(`${where}: body sent as "${contentType ?? ''}", not application/json`);
    }
    const json = parseJson(body);
    if (json === undefined) return [...problems, `${where}: body is not JSON`];
    return [...problems, ...this.#check(`${where}:body`, schema, json, 'body')];
  }

  /** Every way a response breaks the spec for its operation and status. */
  validateResponse(match: SpecMatch, status: number, contentType: string, body: unknown): string[] {
    const where = `${match.operationId} response ${status}`;
    const responses = match.operation.responses;
    const declared =
      responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    if (declared === undefined) return [`${where}: status not in the spec`];
    if (declared.content === undefined)
      return body === undefined ? [] : [`${where}: spec declares no body`];
    const media = declared.content[contentType];
    if (media === undefined) return [`${where}: content type ${contentType} not in the spec`];
    return this.#check(`${where}:${contentType}`, media.schema, body, 'response');
  }

  #check(key: string, schema: unknown, value: unknown, label: string): string[] {
    let validate = this.#validators.get(key);
    if (validate === undefined) {
      validate = this.#ajv.compile(toJsonSchema(schema) as Json);
      this.#validators.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (e) => `${key}: ${label}${e.instancePath} ${e.message ?? 'invalid'}`,
    );
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

let shared: QdrantSpec | undefined;

/** The spec, loaded and compiled once per test process: compiling its schemas is the slow part. */
export function qdrantSpec(): QdrantSpec {
  shared ??= new QdrantSpec();
  return shared;
}
