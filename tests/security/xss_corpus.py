"""The XSS payload corpus and a tenant whose text fields hold it, for the input suites (the test
client in test_input.py, the real browser in tests/browser/test_xss_journey.py). Every payload that could run
sets ``window.__xss``; the template-injection ones would show 49 if they were evaluated."""
from __future__ import annotations

CORPUS = (
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    "<svg onload=window.__xss=1>",
    "<svg><script>window.__xss=1</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    '"><script>window.__xss=1</script>',
    "' autofocus onfocus='window.__xss=1",
    "javascript:window.__xss=1",
    '<a href="javascript:window.__xss=1">link</a>',
    "{{7*7}}",
    "${7*7}",
    "&lt;script&gt;window.__xss=1&lt;/script&gt;",
    "\\u003cscript\\u003ewindow.__xss=1\\u003c/script\\u003e",
    "</textarea><script>window.__xss=1</script>",
)


def seed(contract_setup) -> dict:
    """The corpus in a document's name, a contract's title, a tender's title, a clarification
    question, a market-engagement question, a person's name, an organisation's name, an invoice
    line's description and a proposal's title; returns the pages that show them for each side (the
    provider's administrator and the commissioner's manager)."""
    from tests import factories

    s = contract_setup
    provider, commissioner = s["provider"], s["commissioner"]
    pages = {"provider": [f"/o/{provider.slug}/documents/", f"/o/{provider.slug}/members"],
             "commissioner": [f"/o/{commissioner.slug}/contracts/", f"/o/{commissioner.slug}/tenders/",
                              f"/o/{commissioner.slug}/threads/"]}
    for number, payload in enumerate(CORPUS):
        document = factories.document(provider, filename=f"{payload}.pdf", text=payload)
        pages["provider"].append(f"/o/{provider.slug}/documents/{document.id}")
        contract = factories.contract(commissioner=commissioner, provider=provider, reference=f"XSS-{number}",
                                      title=payload, framework_id=s["framework_id"])
        pages["commissioner"].append(f"/o/{commissioner.slug}/contracts/{contract.id}")
        tender = factories.tender(commissioner, reference=f"XSS-T{number}", title=payload, description=payload)
        factories.question(provider, tender, text=payload)
        pages["provider"].append(f"/o/{provider.slug}/tenders/{tender.id}")
        pages["commissioner"].append(f"/o/{commissioner.slug}/tenders/{tender.id}")
        factories.user(f"person{number}@fern.example", memberships=[(provider, "viewer")], full_name=payload)
        invoice = factories.invoice_row(contract, number=f"XSS-INV-{number}", lines=((payload, "1", "hour", "10.00"),))
        pages["provider"].append(f"/o/{provider.slug}/invoices/{invoice.id}")
        pages["commissioner"].append(f"/o/{commissioner.slug}/invoices/{invoice.id}")
        proposal = factories.proposal(provider, commissioner, title=payload, contract_=contract)
        pages["provider"].append(f"/o/{provider.slug}/proposals/{proposal.id}")
        pages["commissioner"].append(f"/o/{commissioner.slug}/proposals/{proposal.id}")
        other = factories.organisation("provider", name=payload)
        factories.contract(commissioner=commissioner, provider=other, reference=f"XSS-O{number}",
                           framework_id=s["framework_id"])
    thread = factories.thread(commissioner, title=CORPUS[0])
    for payload in CORPUS:
        factories.thread_question(provider, thread, payload)
    pages["commissioner"].append(f"/o/{commissioner.slug}/threads/{thread.id}")
    pages["provider"].append(f"/o/{provider.slug}/contracts/")
    pages["provider"] += [f"/o/{provider.slug}/invoices/", f"/o/{provider.slug}/proposals/"]
    pages["commissioner"] += [f"/o/{commissioner.slug}/invoices/", f"/o/{commissioner.slug}/proposals/"]
    return pages
