"""Issue 3 from Python: stream vectors through UpsertStream and check them against numpy."""

import json
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from google.protobuf import struct_pb2

from session import Session

TOP_K = 10
BAD_BATCH_POINTS = 10
# Points 3 and 7 of the bad batch are wrong (short vector, NaN); the rest are fine.
BAD_FIELDS = ["points[3].vector", "points[7].vector"]
BAD_ID_BASE = 1_000_000_000
SCORE_TOLERANCE = 1e-4


@dataclass(frozen=True)
class IngestPlan:
    """What to stream: `vectors` points of `dim` floats in batches of `batch`."""

    table: str
    encoding: str
    vectors: int
    dim: int
    batch: int
    queries: int
    seed: int


def encode(pb: Any, row: np.ndarray, encoding: str) -> Any:
    """A wire vector: little-endian float32 bytes, or a repeated float."""
    if encoding == "f32le":
        return pb.Vector(f32le=row.astype("<f4").tobytes())
    return pb.Vector(dense=pb.DenseVector(values=row.tolist()))


def payload(pb: Any, row: dict[str, Any], encoding: str) -> dict[str, Any]:
    """Point fields for a payload: JSON bytes with the fast f32le vectors, else a Struct."""
    if encoding == "f32le":
        return {"payload_json": json.dumps(row).encode()}
    struct = struct_pb2.Struct()
    struct.update(row)
    return {"payload": struct}


def ingest(s: Session, plan: IngestPlan) -> dict[str, Any]:
    """Streams the plan (with one bad batch in the middle), checks acks, Count and Search,
    re-sends the good batches and checks nothing changed. Returns figures and facts."""
    pb = s.pb
    rng = np.random.default_rng(plan.seed)
    vectors = rng.standard_normal((plan.vectors, plan.dim), dtype=np.float32)
    # The last 2% of points reuse the first ids with new vectors: the later write must win,
    # and Count must equal the unique ids.
    dup = plan.vectors // 50
    unique = plan.vectors - dup
    ids = np.concatenate([np.arange(unique), np.arange(dup)])

    started = time.perf_counter()
    good = []
    for start in range(0, plan.vectors, plan.batch):
        points = [
            pb.Point(
                id=pb.PointId(num=int(ids[i])),
                vector=encode(pb, vectors[i], plan.encoding),
                **payload(pb, {"row": int(ids[i])}, plan.encoding),
            )
            for i in range(start, min(start + plan.batch, plan.vectors))
        ]
        good.append(pb.UpsertRequest(table=plan.table, points=points))
    config = pb.CollectionConfig(vector_size=plan.dim, distance=pb.DISTANCE_COSINE)
    good[0].auto_create.CopyFrom(config)
    bad = bad_batch(pb, plan, rng)
    requests = good[: len(good) // 2] + [bad] + good[len(good) // 2 :]
    for seq, request in enumerate(requests, start=1):
        request.seq = seq
    build_seconds = time.perf_counter() - started

    acks, code, seconds = s.stream(requests)
    s.check(code == "OK", f"{plan.encoding} stream ended with {code}")
    check_acks(s, plan.encoding, requests, acks, bad.seq)
    bad_ack = next((a for a in acks if a.seq == bad.seq), None)
    count = count_points(s, plan.table)
    s.check(count == unique, f"{plan.encoding}: Count {count}, unique ids {unique}")
    get_request = pb.GetCollectionRequest(table=plan.table)
    get = s.expect_code("get_collection", "GetCollection", get_request, "OK")
    points_count = None if get is None else get.points_count
    s.check(points_count == unique, f"{plan.encoding}: points_count {points_count}")

    sample = [0, 1, unique - 1]
    get_points = pb.GetPointsRequest(table=plan.table, ids=[pb.PointId(num=n) for n in sample])
    got = s.expect_code("get_points", "GetPoints", get_points, "OK")
    payloads = [] if got is None else [dict(p.payload) for p in got.points]
    s.check(
        payloads == [{"row": float(n)} for n in sample],
        f"{plan.encoding}: payloads read back {payloads}",
    )

    queries = rng.standard_normal((plan.queries, plan.dim), dtype=np.float32)
    final = np.empty((unique, plan.dim), dtype=np.float32)
    final[ids[:unique]] = vectors[:unique]
    final[ids[unique:]] = vectors[unique:]
    expected = [brute_force(final, q) for q in queries]
    found = [search(s, plan, q) for q in queries]
    for i, (want, got) in enumerate(zip(expected, found)):
        label = f"{plan.encoding} query {i}"
        s.check(want["ids"] == got["ids"], f"{label}: {got['ids']} != brute force {want['ids']}")
        diff = max((abs(a - b) for a, b in zip(want["scores"], got["scores"])), default=0.0)
        s.check(diff < SCORE_TOLERANCE, f"{label}: scores differ by {diff}")

    again, again_code, again_seconds = s.stream(good)
    s.check(again_code == "OK", f"{plan.encoding} re-sent stream ended with {again_code}")
    check_acks(s, f"{plan.encoding} re-sent", good, again, None)
    count_again = count_points(s, plan.table)
    s.check(count_again == unique, f"{plan.encoding}: Count after re-send {count_again}")
    found_again = [search(s, plan, q) for q in queries]
    s.check(
        [f["ids"] for f in found_again] == [f["ids"] for f in found],
        f"{plan.encoding}: top-{TOP_K} changed after re-send",
    )
    return {
        "table": plan.table,
        "encoding": plan.encoding,
        "vectors": plan.vectors,
        "dim": plan.dim,
        "batch": plan.batch,
        "unique_ids": unique,
        "batches": len(requests),
        "sent_seqs": [r.seq for r in requests],
        "acks": [{"seq": a.seq, "upserted": a.upserted, "errors": len(a.errors)} for a in acks],
        "bad_seq": bad.seq,
        "bad_ack": None if bad_ack is None else ack_errors(bad_ack),
        "count": count,
        "points_count": points_count,
        "search_ids": [f["ids"] for f in found],
        "brute_force_ids": [e["ids"] for e in expected],
        "build_seconds": round(build_seconds, 3),
        "seconds": round(seconds, 3),
        "vectors_per_s": round(plan.vectors / seconds),
        "resend": {
            "acks": len(again),
            "count": count_again,
            "search_ids": [f["ids"] for f in found_again],
            "seconds": round(again_seconds, 3),
            "vectors_per_s": round(plan.vectors / again_seconds),
        },
    }


def bad_batch(pb: Any, plan: IngestPlan, rng: np.random.Generator) -> Any:
    """A batch with fresh ids whose points 3 (one float short) and 7 (a NaN) are invalid."""
    rows = rng.standard_normal((BAD_BATCH_POINTS, plan.dim), dtype=np.float32)
    rows[7][2] = np.nan
    vectors = [encode(pb, row, plan.encoding) for row in rows]
    vectors[3] = encode(pb, rows[3][:-1], plan.encoding)
    points = [
        pb.Point(id=pb.PointId(num=BAD_ID_BASE + i), vector=v) for i, v in enumerate(vectors)
    ]
    return pb.UpsertRequest(table=plan.table, points=points)


def check_acks(s: Session, label: str, requests: list, acks: list, bad_seq: int | None) -> None:
    """One ack per batch, in order; the bad batch rejected whole, naming its bad points."""
    s.check([a.seq for a in acks] == [r.seq for r in requests], f"{label}: acks out of order")
    for request, ack in zip(requests, acks):
        if ack.seq == bad_seq:
            s.check(ack.upserted == 0, f"{label}: bad batch upserted {ack.upserted}")
            named = [(e.index, e.field) for e in ack.errors]
            ok = named == [(3, BAD_FIELDS[0]), (7, BAD_FIELDS[1])]
            ok = ok and all(e.message for e in ack.errors)
            s.check(ok, f"{label}: bad batch errors {ack_errors(ack)}")
        else:
            ok = ack.upserted == len(request.points) and not ack.errors
            s.check(ok, f"{label}: batch {ack.seq} acked {ack.upserted}, {len(ack.errors)} errors")


def ack_errors(ack: Any) -> list[dict[str, Any]]:
    """An ack's errors as plain data."""
    return [{"index": e.index, "field": e.field, "message": e.message} for e in ack.errors]


def count_points(s: Session, table: str) -> int | None:
    """Count(exact) of a table; None when the call failed."""
    request = s.pb.CountRequest(table=table, exact=True)
    response = s.expect_code("count", "Count", request, "OK")
    return None if response is None else response.count


def search(s: Session, plan: IngestPlan, query: np.ndarray) -> dict[str, list]:
    """The service's top-k ids and scores for a query, sent in the plan's encoding."""
    vector = encode(s.pb, query, plan.encoding)
    request = s.pb.SearchRequest(table=plan.table, vector=vector, limit=TOP_K)
    response = s.expect_code("search", "Search", request, "OK")
    points = [] if response is None else list(response.points)
    return {"ids": [p.id.num for p in points], "scores": [p.score for p in points]}


def brute_force(vectors: np.ndarray, query: np.ndarray) -> dict[str, list]:
    """Exact cosine top-k over every row (float64), ids being row numbers."""
    q = query.astype(np.float64)
    q /= np.linalg.norm(q)
    scores = np.empty(len(vectors))
    for start in range(0, len(vectors), 8192):
        chunk = vectors[start : start + 8192].astype(np.float64)
        scores[start : start + 8192] = (chunk @ q) / np.linalg.norm(chunk, axis=1)
    top = np.argpartition(-scores, TOP_K)[:TOP_K]
    top = top[np.argsort(-scores[top], kind="stable")]
    return {"ids": [int(i) for i in top], "scores": [float(scores[i]) for i in top]}
