"""A VectorAdmin client in Python, generated from proto/ with grpcio: a scripted run that checks
issue 2 (collections with a tenant key, refused for another tenant's) and issue 3 (UpsertStream,
Count, exact Search, bad batches, idempotent re-send). Prints one JSON report on stdout and
exits 1 when a check failed. See README.md in this folder for how to generate the stubs.
"""

import argparse
import importlib
import json
import secrets
import sys
from typing import Any

from collection_checks import collection_lifecycle
from ingest_checks import IngestPlan, ingest
from session import Session


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True, help="host:port of the gRPC service")
    parser.add_argument("--key", required=True, help="a tenant API key")
    parser.add_argument("--stubs", help="directory holding the generated vectoradmin/v1 modules")
    parser.add_argument("--prefix", default=f"py_{secrets.token_hex(3)}", help="table prefix")
    parser.add_argument("--other-tenant", help="another tenant's id: every call on it is refused")
    parser.add_argument("--other-table", default="other", help="a table of the other tenant")
    parser.add_argument("--vectors", type=int, default=4000)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--queries", type=int, default=5, help="searches checked by brute force")
    parser.add_argument("--encodings", default="f32le,dense", help="comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-collections", action="store_true", help="only the ingest part")
    parser.add_argument("--keep", action="store_true", help="keep the ingested collections")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if args.stubs:
        sys.path.insert(0, args.stubs)
    pb = importlib.import_module("vectoradmin.v1.vectoradmin_pb2")
    pb_grpc = importlib.import_module("vectoradmin.v1.vectoradmin_pb2_grpc")
    session = Session(args.address, args.key, pb, pb_grpc)
    report: dict[str, Any] = {"prefix": args.prefix}
    try:
        if not args.skip_collections:
            report["collections"] = collection_lifecycle(
                session, args.prefix, args.dim, args.other_tenant, args.other_table
            )
        report["ingest"] = []
        for encoding in args.encodings.split(","):
            plan = IngestPlan(
                table=f"{args.prefix}_{encoding}",
                encoding=encoding,
                vectors=args.vectors,
                dim=args.dim,
                batch=args.batch,
                queries=args.queries,
                seed=args.seed,
            )
            result = ingest(session, plan)
            report["ingest"].append(result)
            print(summary_line(result), file=sys.stderr, flush=True)
        if not args.keep:
            report["cleanup"] = cleanup(session, report)
    finally:
        session.close()
    report["operations"] = session.operations
    report["failures"] = session.failures
    print(json.dumps(report), flush=True)
    return 1 if session.failures else 0


def summary_line(r: dict[str, Any]) -> str:
    """One line for people: the rate, and whether Count and Search held."""
    exact = sum(a == b for a, b in zip(r["search_ids"], r["brute_force_ids"]))
    return (
        f"{r['encoding']}: {r['vectors']} x {r['dim']} in {r['seconds']} s = "
        f"{r['vectors_per_s']} vectors/s (re-send {r['resend']['vectors_per_s']}/s); "
        f"count {r['count']} of {r['unique_ids']} unique ids; "
        f"top-10 equal to brute force for {exact}/{len(r['search_ids'])} queries"
    )


def cleanup(s: Session, report: dict[str, Any]) -> dict[str, Any]:
    """Deletes every table the run made and lists what is left of them."""
    pb = s.pb
    tables = [i["table"] for i in report["ingest"]]
    if "collections" in report:
        tables.append(report["collections"]["tables"][0])
    for table in tables:
        request = pb.DeleteCollectionRequest(table=table)
        response = s.expect_code("delete_collection", "DeleteCollection", request, "OK")
        s.check(response is not None and response.deleted, f"cleanup: {table} not deleted")
    listed = s.expect_code("list_collections", "ListCollections", pb.ListCollectionsRequest(), "OK")
    left = [] if listed is None else [c.table for c in listed.collections if c.table in tables]
    s.check(left == [], f"cleanup: still listed {left}")
    return {"deleted": tables, "left": left}


if __name__ == "__main__":
    sys.exit(main())
