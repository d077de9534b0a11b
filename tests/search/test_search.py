"""Who finds what: a commissioner searches the latest submitted versions of its contracts' returns
(narratives and the documents they carry); a provider searches its own narratives, drafts
included, and its own documents."""
from __future__ import annotations

from tests.helpers import run_jobs
from tests.search.helpers import PHRASE_CODE, add_document, fill, return_ids, search_as


def test_a_commissioner_finds_a_submitted_narrative_with_a_highlighted_snippet(app, world):
    provider, commissioner = world["provider"], world["commissioner"]
    first = return_ids(app, provider.id, world["contract_id"])[0]
    fill(app, provider.id, world["submitter"].id, first,
         {PHRASE_CODE: "People joined the allotment gardening group and said they felt less lonely."})
    run_jobs(app)  # the index job enqueued by the submission
    results = search_as(app, commissioner, "allotment gardening")
    assert results.total == 1
    [hit] = results.hits
    assert (hit.kind, hit.return_id, hit.version_number, hit.measure_code) == ("narrative", first, 1, PHRASE_CODE)
    assert hit.provider == "Fern Care" and hit.contract_reference == "CLY-001"
    assert "<mark>allotment</mark> <mark>gardening</mark>" in hit.snippet
    assert hit.title.startswith("People")  # the outcome the narrative evidences


def test_a_commissioner_never_finds_drafts_other_commissioners_returns_or_unattached_documents(app, world):
    provider, clyde, tay = world["provider"], world["commissioner"], world["tay"]
    submitter = world["submitter"].id
    first, second = return_ids(app, provider.id, world["contract_id"])[:2]
    tay_first = return_ids(app, provider.id, world["tay_contract_id"])[0]
    private = add_document(app, provider.id, "board-minutes.pdf", "The trustees discussed the marmalade budget.")
    shared = add_document(app, provider.id, "survey.pdf", "Families praised the befriending service.")
    fill(app, provider.id, submitter, first, {PHRASE_CODE: "Weekly swimming sessions built confidence."},
         documents=[shared])
    fill(app, provider.id, submitter, second, {PHRASE_CODE: "A draft about the pottery workshop."}, submit=False)
    fill(app, provider.id, submitter, tay_first, {PHRASE_CODE: "Tay people enjoyed the lighthouse walks."})
    run_jobs(app)
    assert search_as(app, clyde, "swimming").total == 1
    assert [h.kind for h in search_as(app, clyde, "befriending").hits] == ["document"]
    assert search_as(app, clyde, "pottery").total == 0  # a draft
    assert search_as(app, clyde, "lighthouse").total == 0  # Tay's contract
    assert search_as(app, tay, "lighthouse").total == 1
    assert search_as(app, tay, "swimming").total == 0
    assert search_as(app, tay, "befriending").total == 0  # attached to a return Tay does not commission
    assert search_as(app, clyde, "marmalade").total == 0  # in the provider's library only
    assert search_as(app, tay, "marmalade").total == 0


def test_a_commissioner_sees_only_the_latest_version(app, world):
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.returns import queries, services
    from portal.tenants.context import tenant_context

    provider, clyde = world["provider"], world["commissioner"]
    first = return_ids(app, provider.id, world["contract_id"])[0]
    fill(app, provider.id, world["submitter"].id, first, {PHRASE_CODE: "Progress with the tandem cycling club."})
    run_jobs(app)
    assert search_as(app, clyde, "tandem").total == 1
    with app.app_context(), tenant_context(clyde.id):
        services.review(queries.get_return(first), decision="request_changes", comment="Say more",
                        problem_tasks=["NHWO-3"], actor=db.session.get(User, world["manager"].id))
        db.session.commit()
    fill(app, provider.id, world["submitter"].id, first, {PHRASE_CODE: "Progress with the choir and singing."})
    run_jobs(app)
    assert search_as(app, clyde, "tandem").total == 0
    [hit] = search_as(app, clyde, "choir").hits
    assert hit.version_number == 2


def test_a_provider_finds_its_own_drafts_and_documents_but_never_another_providers(app, world):
    fern, oak = world["provider"], world["oak"]
    fern_first = return_ids(app, fern.id, world["contract_id"])[0]
    oak_first = return_ids(app, oak.id, world["oak_contract_id"])[0]
    add_document(app, fern.id, "fern-minutes.pdf", "Minutes: the marmalade budget was agreed.")
    add_document(app, oak.id, "oak-minutes.pdf", "Minutes: the marmalade stall raised funds.")
    fill(app, fern.id, world["submitter"].id, fern_first, {PHRASE_CODE: "Draft notes on the pottery workshop."},
         submit=False)
    fill(app, oak.id, world["oak_submitter"].id, oak_first, {PHRASE_CODE: "Oak's pottery evenings, submitted."})
    run_jobs(app)
    fern_hits = search_as(app, fern, "pottery").hits
    assert [(h.kind, h.return_id, h.return_status) for h in fern_hits] == [("narrative", fern_first, "draft")]
    assert "<mark>pottery</mark>" in fern_hits[0].snippet
    [document] = search_as(app, fern, "marmalade").hits
    assert (document.kind, document.title, document.provider) == ("document", "fern-minutes.pdf", "Fern Care")
    assert "<mark>marmalade</mark>" in document.snippet
    assert [h.title for h in search_as(app, oak, "marmalade").hits] == ["oak-minutes.pdf"]
    assert [h.return_id for h in search_as(app, oak, "pottery").hits] == [oak_first]
    # Clyde commissions both and sees Oak's submission, never Fern's draft.
    assert [h.provider for h in search_as(app, world["commissioner"], "pottery").hits] == ["Oak Care"]


def test_the_better_match_ranks_first(app, world):
    provider, clyde = world["provider"], world["commissioner"]
    first, second, third = return_ids(app, provider.id, world["contract_id"])[:3]
    submitter = world["submitter"].id
    fill(app, provider.id, submitter, first, {PHRASE_CODE: "One person tried befriending this month, with "
                                                           "support from staff who know them well."})
    fill(app, provider.id, submitter, second, {PHRASE_CODE: "Befriending: befriending volunteers visited; the "
                                                            "befriending scheme grew."})
    fill(app, provider.id, submitter, third, {PHRASE_CODE: "Nothing about that here."})
    run_jobs(app)
    for organisation in (clyde, provider):
        results = search_as(app, organisation, "befriending")
        assert [h.return_id for h in results.hits] == [second, first], organisation.slug
        assert results.hits[0].rank > results.hits[1].rank


def test_a_document_on_many_returns_is_one_result_from_the_latest_period(app, world):
    provider, clyde = world["provider"], world["commissioner"]
    ids = return_ids(app, provider.id, world["contract_id"])[:3]
    tracker = add_document(app, provider.id, "tracker.pdf", "Outcome tracker: hydrotherapy attendance by month.")
    for return_id in ids:
        fill(app, provider.id, world["submitter"].id, return_id, documents=[tracker])
    run_jobs(app)
    results = search_as(app, clyde, "hydrotherapy")
    assert results.total == 1
    assert (results.hits[0].document_id, results.hits[0].return_id) == (tracker, ids[-1])


def test_web_search_syntax_stop_words_and_paging(app, world):
    import pytest

    from portal.search.queries import QueryProblem

    provider, clyde = world["provider"], world["commissioner"]
    ids = return_ids(app, provider.id, world["contract_id"])[:3]
    texts = ["Art classes in the community hall.", "Art therapy in the garden.", "Gardening in the community."]
    for return_id, text in zip(ids, texts):
        fill(app, provider.id, world["submitter"].id, return_id, {PHRASE_CODE: text})
    run_jobs(app)
    assert search_as(app, clyde, '"community hall"').total == 1
    assert search_as(app, clyde, "art -garden").total == 1
    assert search_as(app, clyde, "art or gardening").total == 3
    assert search_as(app, clyde, "the and of").total == 0  # only stop words: nothing, no error
    pages = [search_as(app, clyde, "art or gardening", page=n, page_size=2) for n in (1, 2, 3)]
    assert [len(p.hits) for p in pages] == [2, 1, 0]
    assert pages[0].pages == 2 and pages[0].has_next and not pages[1].has_next
    assert {h.return_id for p in pages for h in p.hits} == set(ids)
    for bad in ("", "   ", "x" * 201):
        with pytest.raises(QueryProblem):
            search_as(app, clyde, bad)


def test_snippets_escape_the_text_and_markers_cannot_be_injected(app, world):
    provider, clyde = world["provider"], world["commissioner"]
    first = return_ids(app, provider.id, world["contract_id"])[0]
    nasty = "<script>alert('x')</script> scores went from <3 to >7 & the \x02trampoline\x03 sessions grew"
    fill(app, provider.id, world["submitter"].id, first, {PHRASE_CODE: nasty})
    run_jobs(app)
    for organisation in (clyde, provider):
        [hit] = search_as(app, organisation, "trampoline").hits
        assert "<script>" not in hit.snippet  # PostgreSQL leaves tags out of headlines; the rest is escaped
        assert "from &lt;3 to &gt;7 &amp; the <mark>trampoline</mark> sessions" in hit.snippet
        assert "\x02" not in hit.snippet and "\x03" not in hit.snippet
        assert hit.snippet.count("<mark>") == hit.snippet.count("</mark>") == 1
