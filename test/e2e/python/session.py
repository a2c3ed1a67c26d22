"""One authenticated connection to VectorAdmin, a log of the operations it ran, and checks."""

import importlib
import time
from types import ModuleType
from typing import Any, Iterable

import grpc


class Session:
    """Calls the service with a tenant key and remembers what each call should have evented."""

    def __init__(self, address: str, key: str, pb: ModuleType, pb_grpc: ModuleType) -> None:
        self.pb = pb
        self.channel = grpc.insecure_channel(address)
        self.stub = pb_grpc.VectorAdminStub(self.channel)
        self.metadata = [("authorization", f"Bearer {key}")]
        # One entry per operation event the service should publish: (operation, grpc code).
        self.operations: list[dict[str, str]] = []
        self.failures: list[str] = []

    def call(self, operation: str, method: str, request: Any) -> tuple[Any, str, grpc.Call | None]:
        """Runs a unary RPC; returns (response or None, code name, the error when it failed)."""
        try:
            response = getattr(self.stub, method)(request, metadata=self.metadata, timeout=60)
            code = "OK"
            error = None
        except grpc.RpcError as err:
            response, code, error = None, err.code().name, err
        self.operations.append({"operation": operation, "grpc_code": code})
        return response, code, error

    def expect_code(self, operation: str, method: str, request: Any, wanted: str) -> Any:
        """A unary call that must end with `wanted`; records a failure otherwise."""
        response, code, _ = self.call(operation, method, request)
        self.check(code == wanted, f"{method} ({operation}): wanted {wanted}, got {code}")
        return response

    def stream(self, requests: Iterable[Any]) -> tuple[list[Any], str, float]:
        """Streams UpsertRequests; returns (acks in arrival order, final code, seconds)."""
        acks: list[Any] = []
        started = time.perf_counter()
        try:
            for ack in self.stub.UpsertStream(iter(requests), metadata=self.metadata):
                acks.append(ack)
            code = "OK"
        except grpc.RpcError as err:
            code = err.code().name
        seconds = time.perf_counter() - started
        # A stream is evented as opened once its key is accepted, before any batch names a
        # collection; only a refused key leaves the refusal as its one event. Otherwise the
        # stream's open and close frame one event per batch.
        framed = code != "UNAUTHENTICATED" or bool(acks)
        if framed:
            self.operations.append({"operation": "stream_opened", "grpc_code": "OK"})
        for ack in acks:
            ack_code = "INVALID_ARGUMENT" if ack.errors else "OK"
            self.operations.append({"operation": "upsert", "grpc_code": ack_code})
        if code != "OK":
            self.operations.append({"operation": "upsert", "grpc_code": code})
        if framed:
            self.operations.append({"operation": "stream_closed", "grpc_code": code})
        return acks, code, seconds

    def check(self, ok: bool, message: str) -> bool:
        """Records `message` as a failure unless `ok`."""
        if not ok:
            self.failures.append(message)
        return ok

    def close(self) -> None:
        """Closes the channel."""
        self.channel.close()


def status_details(error: grpc.Call | None) -> list[tuple[str, str]]:
    """The (field, description) pairs of the google.rpc.BadRequest in grpc-status-details-bin."""
    if error is None:
        return []
    rpc = importlib.import_module("rpc_status_pb2")
    out: list[tuple[str, str]] = []
    for key, value in error.trailing_metadata() or ():
        if key != "grpc-status-details-bin":
            continue
        for detail in rpc.Status.FromString(value).details:
            if detail.type_url == "type.googleapis.com/google.rpc.BadRequest":
                for v in rpc.BadRequest.FromString(detail.value).field_violations:
                    out.append((v.field, v.description))
    return out


def field_violations(error: grpc.Call | None) -> list[str]:
    """The `field-violation` trailers (`field: message`) of a failed call."""
    if error is None:
        return []
    return [v for k, v in (error.trailing_metadata() or ()) if k == "field-violation"]

