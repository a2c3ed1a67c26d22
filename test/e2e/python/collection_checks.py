"""Issue 2 from Python: a tenant key runs its collections' lifecycle and is refused another's."""

from typing import Any

import numpy as np

from session import Session, field_violations, status_details

SMALL_BATCH = 5


def collection_lifecycle(
    s: Session, prefix: str, dim: int, other_tenant: str | None, other_table: str
) -> dict[str, Any]:
    """Creates, ensures, gets, lists and deletes; returns what it saw for the test to assert."""
    pb = s.pb
    main, extra = f"{prefix}_main", f"{prefix}_extra"
    config = pb.CollectionConfig(vector_size=dim, distance=pb.DISTANCE_COSINE)
    seen: dict[str, Any] = {"tables": [main, extra]}

    create = pb.CreateCollectionRequest(table=main, config=config)
    created = s.expect_code("create_collection", "CreateCollection", create, "OK")
    if created is not None:
        seen["tenant_id"] = created.tenant_id
        seen["created"] = {"name": created.name, "table": created.table}
        s.check(created.table == main, f"created table is {created.table}")
        s.check(created.name.endswith(f"_{main}"), f"physical name {created.name}")
        s.check(created.config.vector_size == dim, "created vector_size")
    s.expect_code("create_collection", "CreateCollection", create, "ALREADY_EXISTS")

    def ensure(table: str, cfg: Any, wanted: str) -> Any:
        request = pb.EnsureCollectionRequest(table=table, config=cfg)
        return s.expect_code("ensure_collection", "EnsureCollection", request, wanted)

    kept, made = ensure(main, config, "OK"), ensure(extra, config, "OK")
    seen["ensure_existing_created"] = None if kept is None else kept.created
    seen["ensure_new_created"] = None if made is None else made.created
    s.check(kept is not None and not kept.created, "ensure on an existing collection created one")
    s.check(made is not None and made.created, "ensure on a missing collection created none")
    conflict = pb.CollectionConfig(vector_size=dim + 1, distance=pb.DISTANCE_COSINE)
    ensure(main, conflict, "FAILED_PRECONDITION")

    rows = np.random.default_rng(7).standard_normal((SMALL_BATCH, dim), dtype=np.float32)
    points = [
        pb.Point(id=pb.PointId(num=i), vector=pb.Vector(f32le=row.astype("<f4").tobytes()))
        for i, row in enumerate(rows)
    ]
    upsert = pb.UpsertRequest(table=main, seq=1, points=points)
    ack = s.expect_code("upsert", "Upsert", upsert, "OK")
    s.check(ack is not None and ack.upserted == SMALL_BATCH, "unary upsert count")
    # A unary batch with a bad point fails as a call, naming the field in its trailers.
    bad = [pb.Point(id=pb.PointId(num=100 + i), vector=p.vector) for i, p in enumerate(points)]
    bad[1].vector.f32le = rows[1][:-1].astype("<f4").tobytes()
    _, code, error = s.call("upsert", "Upsert", pb.UpsertRequest(table=main, seq=2, points=bad))
    violations = field_violations(error)
    details = status_details(error)
    seen["bad_upsert"] = {"code": code, "field_violations": violations, "details": details}
    s.check([f for f, _ in details] == ["points[1].vector"], f"google.rpc.BadRequest: {details}")
    s.check(code == "INVALID_ARGUMENT", f"unary Upsert of a bad batch: {code}")
    fields = [v.split(":")[0] for v in violations]
    s.check(fields == ["points[1].vector"], f"unary Upsert field-violation trailers: {violations}")

    get = pb.GetCollectionRequest(table=main)
    got = s.expect_code("get_collection", "GetCollection", get, "OK")
    seen["points_count"] = None if got is None else got.points_count
    s.check(got is not None and got.points_count == SMALL_BATCH, "GetCollection points_count")

    listed = s.expect_code("list_collections", "ListCollections", pb.ListCollectionsRequest(), "OK")
    mine = [] if listed is None else list(listed.collections)
    seen["listed"] = sorted(c.table for c in mine)
    seen["listed_tenants"] = sorted({c.tenant_id for c in mine})
    s.check({main, extra} <= set(seen["listed"]), f"ListCollections lacks ours: {seen['listed']}")
    s.check(
        seen["listed_tenants"] == [seen.get("tenant_id")],
        f"ListCollections shows other tenants: {seen['listed_tenants']}",
    )

    if other_tenant is not None:
        seen["refused"] = refusals(s, other_tenant, other_table, dim)

    drop = pb.DeleteCollectionRequest(table=extra)
    deleted = s.expect_code("delete_collection", "DeleteCollection", drop, "OK")
    gone = s.expect_code("delete_collection", "DeleteCollection", drop, "OK")
    seen["deleted"] = None if deleted is None else deleted.deleted
    seen["deleted_again"] = None if gone is None else gone.deleted
    s.check(deleted is not None and deleted.deleted, "DeleteCollection of ours deleted nothing")
    s.check(gone is not None and not gone.deleted, "a second DeleteCollection deleted something")
    get_extra = pb.GetCollectionRequest(table=extra)
    s.expect_code("get_collection", "GetCollection", get_extra, "NOT_FOUND")
    return seen


def refusals(s: Session, tenant: str, table: str, dim: int) -> dict[str, str]:
    """Every RPC naming another tenant; each must end PERMISSION_DENIED. Returns code per RPC."""
    pb = s.pb
    config = pb.CollectionConfig(vector_size=dim, distance=pb.DISTANCE_COSINE)
    vector = pb.Vector(f32le=np.ones(dim, dtype="<f4").tobytes())
    point = pb.Point(id=pb.PointId(num=1), vector=vector)
    named = {"tenant_id": tenant, "table": table}
    create = pb.CreateCollectionRequest(**named, config=config)
    ensure = pb.EnsureCollectionRequest(**named, config=config)
    calls = [
        ("create_collection", "CreateCollection", create),
        ("ensure_collection", "EnsureCollection", ensure),
        ("get_collection", "GetCollection", pb.GetCollectionRequest(**named)),
        ("list_collections", "ListCollections", pb.ListCollectionsRequest(tenant_id=tenant)),
        ("delete_collection", "DeleteCollection", pb.DeleteCollectionRequest(**named)),
        ("upsert", "Upsert", pb.UpsertRequest(**named, seq=1, points=[point])),
        ("count", "Count", pb.CountRequest(**named, exact=True)),
        ("search", "Search", pb.SearchRequest(**named, vector=vector, limit=10)),
    ]
    codes: dict[str, str] = {}
    for operation, method, request in calls:
        _, code, _ = s.call(operation, method, request)
        codes[method] = code
        s.check(code == "PERMISSION_DENIED", f"{method} for another tenant: {code}")
    _, code, _ = s.stream([pb.UpsertRequest(**named, seq=1, points=[point])])
    codes["UpsertStream"] = code
    s.check(code == "PERMISSION_DENIED", f"UpsertStream for another tenant: {code}")
    return codes
