"""Calls a service the way grpcurl does: only with the descriptors server reflection returned.

Reads one JSON object on stdin: {"address", "files": [base64 FileDescriptorProto, imports
first], "calls": [{"method": "pkg.Service/Method", "json": "..."}]}. Loads every file into a
fresh descriptor pool (which refuses malformed descriptors, e.g. a map entry declared
explicitly), converts each call's JSON with it, sends it, and prints one JSON report:
{"fields": {message: [field names]}, "responses": [response as proto JSON]}.
"""

import base64
import json
import sys

import grpc
from google.protobuf import descriptor_pool, json_format, message_factory


def main() -> None:
    spec = json.load(sys.stdin)
    pool = descriptor_pool.DescriptorPool()
    factory = message_factory.MessageFactory(pool)
    for encoded in spec["files"]:
        pool.AddSerializedFile(base64.b64decode(encoded))
    channel = grpc.insecure_channel(spec["address"])
    fields = {}
    responses = []
    for call in spec["calls"]:
        service_name, method_name = call["method"].split("/")
        method = pool.FindServiceByName(service_name).FindMethodByName(method_name)
        request_class = factory.GetPrototype(method.input_type)
        response_class = factory.GetPrototype(method.output_type)
        request = json_format.Parse(call["json"], request_class())
        fields[method.input_type.full_name] = [f.name for f in method.input_type.fields]
        stub = channel.unary_unary(
            f"/{call['method']}",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_class.FromString,
        )
        response = stub(request, timeout=30)
        responses.append(json_format.MessageToDict(response, preserving_proto_field_name=True))
    channel.close()
    json.dump({"fields": fields, "responses": responses}, sys.stdout)


if __name__ == "__main__":
    main()
