import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  type DescriptorProto,
  type FileDescriptorProto,
} from '@bufbuild/protobuf/wkt';
import {
  loadPackageDefinition,
  status,
  type Server,
  type ServerDuplexStream,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/**
 * The FileDescriptorSets `npm run gen` writes with `buf build` (copied to dist/gen by the build):
 * the contract and the health service, each with its imports, exactly as protoc would see them.
 */
export const DESCRIPTOR_SET_FILES: readonly string[] = [
  fileURLToPath(new URL('../gen/vectoradmin.binpb', import.meta.url)),
  fileURLToPath(new URL('../gen/health.binpb', import.meta.url)),
];

/** One request of grpc.reflection.v1(alpha).ServerReflectionInfo, as proto-loader decodes it. */
interface ReflectionRequest {
  host?: string;
  message_request?: string;
  file_by_filename?: string;
  file_containing_symbol?: string;
  file_containing_extension?: { containing_type?: string; extension_number?: number };
  all_extension_numbers_of_type?: string;
  list_services?: string;
}

/** The real descriptors indexed by file name and by every fully-qualified symbol they define. */
export class DescriptorIndex {
  private readonly bytesByFile = new Map<string, Uint8Array>();
  private readonly depsByFile = new Map<string, readonly string[]>();
  private readonly fileBySymbol = new Map<string, string>();
  private readonly extensionsByType = new Map<string, Map<number, string>>();
  readonly services: string[] = [];

  constructor(sets: readonly Uint8Array[]) {
    for (const set of sets)
      for (const file of fromBinary(FileDescriptorSetSchema, set).file) this.add(file);
  }

  /** Reads the descriptor set files the gen step wrote. */
  static fromFiles(files: readonly string[] = DESCRIPTOR_SET_FILES): DescriptorIndex {
    return new DescriptorIndex(files.map((f) => readFileSync(f)));
  }

  /** The file defining `symbol` (a message, enum, service, method or extension), if any. */
  fileOfSymbol(symbol: string): string | undefined {
    return this.fileBySymbol.get(symbol.replace(/^\./, ''));
  }

  /** The file declaring extension `number` of `type`, if any. */
  fileOfExtension(type: string, number: number): string | undefined {
    return this.extensionsByType.get(type)?.get(number);
  }

  /** Extension numbers of `type`, or undefined when the type is unknown. */
  extensionNumbers(type: string): number[] | undefined {
    if (this.fileOfSymbol(type) === undefined) return undefined;
    return [...(this.extensionsByType.get(type)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /** `file`'s serialized FileDescriptorProto followed by those of its transitive imports. */
  withDependencies(file: string): Uint8Array[] | undefined {
    if (!this.bytesByFile.has(file)) return undefined;
    const order: string[] = [];
    const visit = (name: string) => {
      if (order.includes(name) || !this.bytesByFile.has(name)) return;
      order.push(name);
      for (const dep of this.depsByFile.get(name) ?? []) visit(dep);
    };
    visit(file);
    return order.map((name) => this.bytesByFile.get(name) as Uint8Array);
  }

  private add(file: FileDescriptorProto): void {
    if (this.bytesByFile.has(file.name)) return;
    this.bytesByFile.set(file.name, toBinary(FileDescriptorProtoSchema, file));
    this.depsByFile.set(file.name, file.dependency);
    const scope = file.package === '' ? '' : `${file.package}.`;
    const define = (name: string) => this.fileBySymbol.set(name, file.name);
    const addMessage = (prefix: string, message: DescriptorProto) => {
      const name = `${prefix}${message.name}`;
      define(name);
      for (const nested of message.nestedType) addMessage(`${name}.`, nested);
      for (const e of message.enumType) define(`${name}.${e.name}`);
      for (const ext of message.extension) this.addExtension(file.name, `${name}.${ext.name}`, ext);
    };
    for (const message of file.messageType) addMessage(scope, message);
    for (const e of file.enumType) define(`${scope}${e.name}`);
    for (const ext of file.extension) this.addExtension(file.name, `${scope}${ext.name}`, ext);
    for (const service of file.service) {
      define(`${scope}${service.name}`);
      this.services.push(`${scope}${service.name}`);
      for (const method of service.method) define(`${scope}${service.name}.${method.name}`);
    }
  }

  private addExtension(
    file: string,
    name: string,
    ext: { extendee: string; number: number },
  ): void {
    this.fileBySymbol.set(name, file);
    const type = ext.extendee.replace(/^\./, '');
    const numbers = this.extensionsByType.get(type) ?? new Map<number, string>();
    numbers.set(ext.number, file);
    this.extensionsByType.set(type, numbers);
  }
}

/**
 * Answers one reflection request from the index. Files come back with their imports, as the
 * gRPC reflection spec allows, so a client needs one round trip per symbol.
 */
export function answerReflection(index: DescriptorIndex, request: ReflectionRequest): object {
  const base = { valid_host: request.host ?? '', original_request: request };
  const notFound = (what: string) => ({
    ...base,
    error_response: { error_code: status.NOT_FOUND, error_message: `${what} not found` },
  });
  const files = (file: string | undefined, what: string) => {
    const found = file === undefined ? undefined : index.withDependencies(file);
    return found === undefined
      ? notFound(what)
      : {
          ...base,
          file_descriptor_response: { file_descriptor_proto: found.map((b) => Buffer.from(b)) },
        };
  };
  switch (request.message_request) {
    case 'file_by_filename':
      return files(request.file_by_filename, `file ${request.file_by_filename}`);
    case 'file_containing_symbol': {
      const symbol = request.file_containing_symbol ?? '';
      return files(index.fileOfSymbol(symbol), `symbol ${symbol}`);
    }
    case 'file_containing_extension': {
      const { containing_type: type = '', extension_number: number = 0 } =
        request.file_containing_extension ?? {};
      return files(index.fileOfExtension(type, number), `extension ${type}:${number}`);
    }
    case 'all_extension_numbers_of_type': {
      const type = request.all_extension_numbers_of_type ?? '';
      const numbers = index.extensionNumbers(type);
      return numbers === undefined
        ? notFound(`type ${type}`)
        : {
            ...base,
            all_extension_numbers_response: { base_type_name: type, extension_number: numbers },
          };
    }
    case 'list_services':
      return {
        ...base,
        list_services_response: { service: index.services.map((name) => ({ name })) },
      };
    default:
      return {
        ...base,
        error_response: {
          error_code: status.UNIMPLEMENTED,
          error_message: 'unknown reflection request',
        },
      };
  }
}

// The reflection protocol's own messages, from the proto files @grpc/reflection ships.
const REFLECTION_PROTO_DIR = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@grpc/reflection')),
  '../proto',
);

function reflectionService(version: 'v1' | 'v1alpha'): ServiceDefinition {
  const definition = loadSync(`grpc/reflection/${version}/reflection.proto`, {
    includeDirs: [REFLECTION_PROTO_DIR],
    keepCase: true,
    oneofs: true,
    longs: String,
    enums: Number,
  });
  const loaded = loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: Record<string, { ServerReflection: { service: ServiceDefinition } }> };
  };
  return (loaded.grpc.reflection[version] as { ServerReflection: { service: ServiceDefinition } })
    .ServerReflection.service;
}

/**
 * Serves grpc.reflection.v1 and v1alpha from the real descriptor sets (issue 13): real file
 * names and imports, snake_case field names and well-known types as themselves, so strict
 * clients (grpcurl, Python's descriptor_pool) accept them.
 */
export function addDescriptorReflection(
  server: Server,
  index: DescriptorIndex = DescriptorIndex.fromFiles(),
): void {
  for (const version of ['v1', 'v1alpha'] as const) {
    server.addService(reflectionService(version), {
      ServerReflectionInfo: (call: ServerDuplexStream<ReflectionRequest, object>) => {
        call.on('data', (request: ReflectionRequest) =>
          call.write(answerReflection(index, request)),
        );
        call.on('end', () => call.end());
      },
    });
  }
}
