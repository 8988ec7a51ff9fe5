"""
Schemathesis hooks for `npm run bench -- fuzz` (bench/fuzz-bench.ts starts the server and
runs schemathesis with this module as SCHEMATHESIS_HOOKS). See docs/ops/fuzzing.md.

- The check `nothing_stored_for_a_4xx`: a refused request leaves the database as it was.
  Before each request a fingerprint of Itinera's database is taken (the estimated document
  count of every collection, the newest `_id` of those a write would insert into, a digest
  of the small configuration collections); after a 4xx answer it is taken again and must be
  the same. Requests go one at a time (the bench runs one worker). While the database's
  SQLite files are unchanged the last fingerprint is reused, which keeps it cheap. A
  difference may be an earlier request's background work (the profile writer, a journey,
  an erasure): the refused request is then sent again on a quiet database, and it fails
  the check only if it is refused again and changes something again; otherwise the case is
  listed as unconfirmed for a person to look at.
- Path parameters and a few body fields are replaced, as often as not, by names and ids
  that exist (the bench seeds them and lists them in FUZZ_KNOWN), so that GETs find things
  and the routes' deeper code runs, not only their 404s. A destination's URL is always a
  closed port on this machine: the fuzzer must not make Itinera call anywhere else.
- Every request is counted per operation and status; the counts, the 5xx answers and the
  4xx that stored something are written to FUZZ_STATS (JSON) for the bench's summary.

Environment: FUZZ_MONGO_URI, FUZZ_DB, FUZZ_DB_FILES (the database's SQLite files, joined
by os.pathsep; optional), FUZZ_KNOWN (a JSON file), FUZZ_STATS (a JSON file written as the
run goes).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import threading
import time
from collections import Counter, defaultdict
from typing import Any

import requests
import schemathesis
from hypothesis import strategies as st
from pymongo import MongoClient

_db = MongoClient(os.environ["FUZZ_MONGO_URI"], maxPoolSize=2)[os.environ["FUZZ_DB"]]
# The embedded FerretDB's SQLite files of this database, when the bench found them: while
# they are unchanged, so is the fingerprint, which then need not be read again.
_db_files: list[str] = [f for f in os.environ.get("FUZZ_DB_FILES", "").split(os.pathsep) if f]
with open(os.environ["FUZZ_KNOWN"], encoding="utf-8") as _file:
    _known: dict[str, Any] = json.load(_file)
_stats_path = os.environ["FUZZ_STATS"]

# Where a request that was let through would insert: their newest `_id` catches an insert
# that a delete elsewhere hid from the counts.
_INSERT_TARGETS = [
    "events", "outbox", "profiles", "identities", "consent_ledger", "privacy_requests",
    "suppressions", "audit", "rules", "users", "sessions", "templates", "destinations",
    "frequency_caps", "journey_controls", "broadcasts", "retention",
]
# Small collections that a refused update could change in place (counts and ids unchanged):
# their whole content is digested.
_DIGESTED = [
    "rules_active", "templates", "destinations", "frequency_caps", "journey_controls",
    "users", "retention", "broadcasts", "segments",
]
# Not compared: the data catalogue is written behind, every 2 s, with what earlier accepted
# events held (src/store/data-catalog.ts), so it changes under any later request; the rate
# limits count refused requests on purpose (the portal's, per address).
_NOT_FINGERPRINTED = {"data_catalog", "rate_limits"}
# What a refused request may change by design: a failed sign-in is counted, against the
# name whether it is an account or not, in the users collection (the sign-in throttle,
# src/accounts/throttle.ts), so that guessing passwords gets slower.
_ALLOWED_ON_4XX = {"POST /v1/sessions": {"users"}}

# Paths (prefix up to the parameter) whose parameter names an object the bench seeded.
_PATH_PARAMETERS: list[tuple[str, str, str]] = [
    # (path prefix, parameter, list in FUZZ_KNOWN)
    ("/v1/templates/", "name", "templates"),
    ("/v1/destinations/", "name", "destinations"),
    ("/v1/frequency-caps/", "channel", "channels"),
    ("/v1/profiles/", "id", "profileIds"),
    ("/v1/segments/", "name", "segments"),
    ("/v1/journeys/", "name", "journeys"),
    ("/v1/broadcasts/", "name", "broadcasts"),
    ("/v1/rules/versions/", "version", "versions"),
    ("/v1/users/", "name", "users"),
    ("/v1/privacy/erasures/", "id", "erasureIds"),
    ("/v1/privacy/exports/", "id", "exportIds"),
    ("/v1/privacy/suppressions/", "id", "suppressionIds"),
    ("/v1/portal/", "token", "portalTokens"),
    ("/analytics.js/v1/", "writeKey", "writeKeys"),
    ("/v1/projects/", "writeKey", "writeKeys"),
]
# Body fields that name a person.
_BODY_FIELDS = {"profileId": "profileIds", "userId": "userIds"}

_lock = threading.Lock()
_local = threading.local()
_stats: dict[str, Any] = {
    "requests": 0,
    "byOperation": defaultdict(Counter),
    "serverErrors": [],
    "storedOn4xx": [],
    "unconfirmed": [],
    "fingerprints": 0,
    "fingerprintMs": 0.0,
    "replays": 0,
}
_last_flush = 0.0
_cached: tuple[Any, dict[str, Any]] | None = None


def _files_state() -> Any:
    """Size and modification time of the database's SQLite files (not `-shm`, which readers write too)."""
    state = []
    for path in _db_files:
        try:
            info = os.stat(path)
            state.append((path, info.st_size, info.st_mtime_ns))
        except FileNotFoundError:
            state.append((path, None, None))
    return tuple(state)


def _full_fingerprint() -> dict[str, Any]:
    started = time.perf_counter()
    fingerprint: dict[str, Any] = {}
    existing = set(_db.list_collection_names())
    for name in sorted(existing):
        if name in _NOT_FINGERPRINTED:
            continue
        collection = _db[name]
        entry: list[Any] = [collection.estimated_document_count()]
        if name in _INSERT_TARGETS:
            newest = collection.find_one({}, {"_id": 1}, sort=[("_id", -1)])
            entry.append(str(newest["_id"]) if newest else None)
        if name in _DIGESTED:
            digest = hashlib.sha1()
            for doc in collection.find({}).sort("_id", 1).limit(500):
                digest.update(repr(sorted(doc.items(), key=lambda kv: kv[0])).encode())
            entry.append(digest.hexdigest()[:12])
        fingerprint[name] = entry
    with _lock:
        _stats["fingerprints"] += 1
        _stats["fingerprintMs"] += (time.perf_counter() - started) * 1000
    return fingerprint


def _fingerprint() -> dict[str, Any]:
    """The database's fingerprint; computed again only when its files changed since the last one."""
    global _cached
    state = _files_state() if _db_files else None
    if _cached is not None and state is not None and _cached[0] == state:
        return _cached[1]
    fingerprint = _full_fingerprint()
    # The files as they were before reading: a write during the reading makes the next call read again.
    _cached = (state, fingerprint)
    return fingerprint


# Quiet means no write for longer than the longest write-behind period among the collections
# fingerprinted (delivery counts and journey figures, 1 s: src/store/delivery-counts.ts,
# src/store/journey-stats.ts), with room for a slow machine: after a burst of sends, their
# counts land up to a second after the last one. With 0.3 s a replay could start between
# the two, and the counts' write was taken for the replay's.
_QUIET_WINDOW_S = 2.5
_QUIET_LIMIT_S = 20.0


def _quiet(window_s: float = _QUIET_WINDOW_S, limit_s: float = _QUIET_LIMIT_S) -> None:
    """Waits until the database files have not changed for `window_s` (at most `limit_s`)."""
    if not _db_files:
        time.sleep(window_s)
        return
    deadline = time.monotonic() + limit_s
    last, since = _files_state(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = _files_state()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= window_s:
            return


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    names = set(before) | set(after)
    return {name: {"before": before.get(name), "after": after.get(name)} for name in sorted(names) if before.get(name) != after.get(name)}


def _describe(case: Any, response: Any) -> dict[str, Any]:
    answer = response.content[:300].decode("utf-8", "replace") if response.content else ""
    request = response.request
    sent = request.body if isinstance(request.body, (str, type(None))) else request.body.decode("utf-8", "replace")
    return {
        "operation": case.operation.label,
        "status": response.status_code,
        "url": request.url,
        "body": (sent or "")[:500],
        "answer": answer,
    }


def _flush(force: bool = False) -> None:
    global _last_flush
    now = time.monotonic()
    if not force and now - _last_flush < 2:
        return
    _last_flush = now
    with _lock:
        data = {**_stats, "byOperation": {op: dict(counts) for op, counts in _stats["byOperation"].items()}}
    tmp = f"{_stats_path}.tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump(data, out, default=str)
    os.replace(tmp, _stats_path)


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    _local.before = _fingerprint()


@schemathesis.hook
def after_call(ctx, case, response):
    status = response.status_code
    with _lock:
        _stats["requests"] += 1
        _stats["byOperation"][case.operation.label][str(status)] += 1
        if status >= 500:
            _stats["serverErrors"].append(_describe(case, response))
    _flush()


def _replay_changes(response: Any) -> tuple[int, dict[str, Any]]:
    """Sends the very request again on a quiet database: its answer, and what changed meanwhile."""
    _quiet()
    before = _fingerprint()
    with requests.Session() as session:
        again = session.send(response.request.copy(), timeout=30)
    _quiet()
    with _lock:
        _stats["replays"] += 1
    return again.status_code, _diff(before, _fingerprint())


@schemathesis.check
def nothing_stored_for_a_4xx(ctx, response, case):
    """A request answered 4xx leaves the database as it was."""
    if not 400 <= response.status_code < 500:
        return None
    before = getattr(_local, "before", None)
    if before is None:
        return None
    allowed = _ALLOWED_ON_4XX.get(case.operation.label, set())
    changed = {name: change for name, change in _diff(before, _fingerprint()).items() if name not in allowed}
    if not changed:
        return True
    # Background work of an earlier request (the profile writer, a journey, an erasure) may
    # have written meanwhile: the request counts as guilty only if, sent again once the
    # database is quiet, it is refused again and something changes again.
    status, again = _replay_changes(response)
    again = {name: change for name, change in again.items() if name not in allowed}
    entry = {**_describe(case, response), "changed": changed, "replayStatus": status, "replayChanged": again}
    if not (400 <= status < 500 and again):
        with _lock:
            _stats["unconfirmed"].append(entry)
        _flush(force=True)
        return True
    with _lock:
        _stats["storedOn4xx"].append(entry)
    _flush(force=True)
    raise AssertionError(f"answered {response.status_code} yet changed the database: {json.dumps(again, default=str)}")


def _with_known(value: Any, key: str, choices: list[Any]) -> st.SearchStrategy:
    """The generated value, or (as often) the same with `key` set to something that exists."""
    if not isinstance(value, dict) or key not in value or not choices:
        return st.just(value)
    return st.one_of(st.just(value), st.sampled_from(choices).map(lambda known: {**value, key: known}))


@schemathesis.hook
def flatmap_path_parameters(ctx, parameters):
    path = ctx.operation.path if ctx.operation is not None else ""
    for prefix, name, listed in _PATH_PARAMETERS:
        if path.startswith(prefix + "{" + name + "}"):
            return _with_known(parameters, name, _known.get(listed, []))
    return st.just(parameters)


# Where a fuzzed destination points: a closed port here (discard), never another host.
_LOOPBACK_URL = "http://127.0.0.1:9/fuzz"


@schemathesis.hook
def map_body(ctx, body):
    path = ctx.operation.path if ctx.operation is not None else ""
    if path.startswith("/v1/destinations/") and isinstance(body, dict) and isinstance(body.get("url"), str):
        return {**body, "url": _LOOPBACK_URL}
    return body


@schemathesis.hook
def flatmap_body(ctx, body):
    if not isinstance(body, dict):
        return st.just(body)
    for field, listed in _BODY_FIELDS.items():
        if field in body:
            return _with_known(body, field, _known.get(listed, []))
    return st.just(body)


atexit.register(_flush, True)
