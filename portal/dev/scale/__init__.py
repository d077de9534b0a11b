"""`portal seed --scale N`: a national-scale data set, generated in bulk (issue 12).

Scale 1 is about 200 providers (``scale-p-NNNNN``), 10 commissioners (``scale-c-NNN``), 600
contracts and 36 months of monthly returns each (about 20,000 returns with their answers and
submitted versions), one evidence document per contract (bytes in S3), search entries and outcome
rollups, invoices with lines, events and payment runs, and tenders with lots, interested
providers, clarification questions (some answered and published) and bids. Scale 10 is ten
times that; a fraction (0.02) makes a handful of organisations for tests.

Additive: the organisations are numbered, and a run makes only those missing for its scale, so
scale 1 then scale 10 gives the scale-10 totals (a harness may also start from an empty
database). Organisations already there (the demo's, or an earlier scale's) are left as they are;
their commissioners' rollups are rebuilt at the end.

Rows are written with COPY through the migration (owner) connection, one tenant at a time with
``app.org_id`` set, so row-level security checks every row as it checks the app's (see bulk.py);
derived data (search entries, rollups) is built by SQL, never by one job per row. Everyone made
here signs in with ``SCALE_PASSWORD`` (``staff@scale-p-00001.example``,
``commissioner@scale-c-000.example``...). Deterministic for a given ``seed``, apart from
timestamps, which end now. VACUUM of the search vectors and ANALYZE run at the end.
"""
from __future__ import annotations

import time as clock

import psycopg

from portal.models_base import utcnow

PROVIDERS_PER_SCALE = 200
COMMISSIONERS_PER_SCALE = 10


def targets(scale: float) -> tuple[int, int]:
    """(commissioners, providers) at ``scale``."""
    if not scale > 0:
        raise ValueError("the scale must be a number greater than 0")
    return max(1, round(COMMISSIONERS_PER_SCALE * scale)), max(1, round(PROVIDERS_PER_SCALE * scale))


def _uploader():
    from flask import current_app

    from portal.storage import s3_client

    client, bucket = s3_client(), current_app.config["S3_BUCKET"]

    def upload(key: str, body: bytes) -> None:
        client.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/csv")

    return upload


def seed(scale: float, *, seed: int = 1, upload_documents: bool = True) -> dict:
    """Generate the data set for ``scale`` (inside an app context); returns rows made per table
    and ``seconds``."""
    from portal.accounts.passwords import hash_password
    from portal.dev.scale import contracts as contract_rows
    from portal.dev.scale import derived, invoices, people, returns, tenders
    from portal.dev.scale.bulk import Writer, owner_url
    from portal.reporting.periods import london_today

    from portal.contracts.frameworks import seed_frameworks
    from portal.extensions import db

    started = clock.monotonic()
    seed_frameworks()  # the national frameworks the contracts use (idempotent, as `portal up` runs it)
    db.session.commit()
    n_commissioners, n_providers = targets(scale)
    now, today = utcnow(), london_today()
    with psycopg.connect(owner_url()) as conn:
        writer = Writer(conn, now)
        have_c = people.existing(writer, "scale-c-")
        have_p = people.existing(writer, "scale-p-")
        password_hash = hash_password(people.SCALE_PASSWORD)
        new_c = [i for i in range(n_commissioners) if people.commissioner_slug(i) not in have_c]
        new_p = [i for i in range(n_providers) if people.provider_slug(i) not in have_p]
        made_c = people.make_organisations(writer, "commissioner", new_c, password_hash, seed)
        old_c = [people.Org(org_id, slug, "", "commissioner", int(slug.rsplit("-", 1)[1]),
                            region=people.commissioner_region(int(slug.rsplit("-", 1)[1])))
                 for slug, org_id in sorted(have_c.items())]
        for org in old_c:
            org.people = people.people_of(writer, [org.id]).get(org.id, {})
        commissioners = sorted(old_c + made_c, key=lambda o: o.index)
        providers = people.make_organisations(writer, "provider", new_p, password_hash, seed)
        frameworks = contract_rows.load_frameworks(writer)
        contracts = contract_rows.make_contracts(writer, providers, commissioners, frameworks, today, seed)
        contract_rows.make_documents(writer, contracts, seed, _uploader() if upload_documents else None)
        returns.make_returns(writer, contracts, now, seed)
        derived.build_search_entries(writer, [p.id for p in providers])
        invoices.make_invoices(writer, contracts, commissioners, today, seed)
        tenders.make_tenders(writer, commissioners, providers, new_c, today, seed)
        writer.set_tenant(None)
        conn.commit()
        counts = dict(writer.counts)
    derived.refresh_rollups([c.id for c in commissioners])
    with psycopg.connect(owner_url(), autocommit=True) as conn:
        # The search vectors' GIN indexes take new entries into a pending list that autovacuum
        # merges later; until then the planner prices the index as dear and reads the partition.
        # Merged now, as autovacuum would after any bulk load.
        conn.execute("VACUUM search_vectors")
        conn.execute("ANALYZE")
    counts["seconds"] = round(clock.monotonic() - started, 1)
    return counts
