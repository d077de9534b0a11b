"""`portal seed --scale N` at a tiny scale: every row belongs to a tenant that exists, row-level
security shows a provider only its own returns, and the pages that read the data answer with it."""
from __future__ import annotations

from sqlalchemy import create_engine, text

from portal.dev.scale import seed
from portal.dev.scale.people import SCALE_PASSWORD

# Tenant-owned tables the generator writes, and where each row's organisations are named.
TENANT_COLUMNS = {
    "memberships": ("tenant_id",), "contracts": ("tenant_id", "commissioner_id"),
    "return_schedules": ("tenant_id", "commissioner_id"), "returns": ("tenant_id", "commissioner_id"),
    "answers": ("tenant_id",), "return_versions": ("tenant_id", "commissioner_id"), "documents": ("tenant_id",),
    "return_documents": ("tenant_id",), "search_entries": ("tenant_id", "commissioner_id"),
    "invoices": ("tenant_id", "commissioner_id"), "invoice_lines": ("tenant_id", "commissioner_id"),
    "invoice_events": ("tenant_id", "commissioner_id"), "payment_runs": ("tenant_id",),
    "tenders": ("tenant_id",), "tender_lots": ("tenant_id",), "tender_questions": ("tenant_id", "commissioner_id"),
    "tender_clarifications": ("tenant_id",), "tender_bids": ("tenant_id", "commissioner_id"),
    "outcome_rollups": ("tenant_id",),
}


def test_seed_makes_consistent_rls_valid_data_the_pages_read(app, services, web, client):
    with app.app_context():
        counts = seed(0.02, seed=7)
        again = seed(0.02, seed=7)  # additive: nothing is missing at the same scale
    assert counts["returns"] > 100 and counts["answers"] > counts["returns"]
    assert counts["search_entries"] > 0 and counts["invoices"] > 0 and counts["tender_questions"] > 0
    assert not again.get("returns") and not again.get("organisations")

    owner = create_engine(services.urls["POSTGRES_SUPERUSER_URL"].replace("postgresql://", "postgresql+psycopg://"))
    with owner.connect() as conn:
        for table, columns in TENANT_COLUMNS.items():
            assert conn.scalar(text(f"select count(*) from {table}")) > 0, table
            for column in columns:
                orphans = conn.scalar(text(f"select count(*) from {table} t where not exists "
                                           f"(select 1 from organisations o where o.id = t.{column})"))
                assert orphans == 0, f"{table}.{column}"
        wrong_kind = conn.scalar(text("select count(*) from returns r join organisations p on p.id = r.tenant_id "
                                      "join organisations c on c.id = r.commissioner_id "
                                      "where p.kind <> 'provider' or c.kind <> 'commissioner'"))
        assert wrong_kind == 0
        provider_id, own = conn.execute(text(
            "select tenant_id, count(*) from returns group by tenant_id order by tenant_id limit 1")).one()
        total = conn.scalar(text("select count(*) from returns"))
        commissioner_slug = conn.scalar(text("select slug from organisations where slug like 'scale-c-%' "
                                             "order by slug limit 1"))
        narrative = conn.scalar(text(
            "select s.body from search_entries s join organisations c on c.id = s.commissioner_id "
            "where c.slug = :slug and s.kind = 'narrative' order by s.id limit 1"), {"slug": commissioner_slug})
    owner.dispose()
    assert total > own

    app_role = create_engine(services.urls["DATABASE_URL"])
    with app_role.begin() as conn:
        assert conn.scalar(text("select count(*) from returns")) == 0  # no tenant: nothing
        conn.execute(text("select set_config('app.org_id', :org, true)"), {"org": str(provider_id)})
        assert conn.scalar(text("select count(*) from returns")) == own
        assert conn.scalar(text("select count(*) from returns where tenant_id <> :org"), {"org": provider_id}) == 0
    app_role.dispose()

    web.sign_in(f"commissioner@{commissioner_slug}.example", SCALE_PASSWORD)
    for page in ("dashboards/compliance", "dashboards/delivery", "reviews/"):
        response = client.get(f"/o/{commissioner_slug}/{page}")
        assert response.status_code == 200, page
        assert "scale-p-" in response.get_data(as_text=True) or "(0)" in response.get_data(as_text=True), page
    word = "befriending" if "Befriending" in narrative else narrative.split()[-1].strip(".;,")
    response = client.get(f"/o/{commissioner_slug}/search", query_string={"q": word})
    assert response.status_code == 200
    found = response.get_data(as_text=True)
    assert "/returns/" in found, found[found.find("<main"):][:3000]
