"""The one table of loaders for objects named in a URL.

The request pipeline loads every argument listed here, in this order, once the organisation
is known and before the view runs or its body is read. A missing object and another tenant's
object give the same 404. The view receives the object under the loader's keyword instead of
the id (``return_id`` becomes ``ret``). The cross-tenant tests read this table, so a new URL
argument cannot be forgotten: an argument that is neither here nor in ``NOT_OBJECTS`` fails
them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flask import g
from flask_login import current_user


@dataclass(frozen=True)
class Loader:
    keyword: str                                  # what the view receives
    load: Callable[[Any, dict[str, Any]], Any]    # (value in the URL, objects loaded so far) -> object or None
    message: str                                  # the 404's message


def _member(value, _loaded):
    from portal.tenants.queries import get_member

    return get_member(value)


def _invitation(value, _loaded):
    from portal.tenants.queries import get_invitation

    return get_invitation(value)


def _contract(value, _loaded):
    from portal.contracts.queries import get_contract

    return get_contract(value)


def _return(value, _loaded):
    from portal.returns.queries import get_return

    return get_return(value)


def _version(value, loaded):
    from portal.returns.queries import get_version

    return get_version(loaded["ret"], value)


def _submitted_document(value, loaded):
    from portal.returns.queries import version_document_ref

    return version_document_ref(loaded["version"], value)


def _task(value, loaded):
    from portal.returns.queries import get_task

    return get_task(loaded["ret"], value)


def _import(value, loaded):
    from portal.returns.imports import get_import

    return get_import(loaded["ret"], value)


def _document(value, _loaded):
    from portal.documents.queries import get_document

    return get_document(value)


def _framework(value, _loaded):
    from portal.contracts.custom_frameworks import get_visible_framework

    return get_visible_framework(g.organisation, value)


def _outcome(value, _loaded):
    from portal.contracts.custom_frameworks import get_visible_outcome

    return get_visible_outcome(g.organisation, value)


def _collaborative(value, _loaded):
    from portal.collaboratives.services import membership

    return membership(g.organisation, value)


def _tender(value, _loaded):
    from portal.procurement.queries import get_tender

    return get_tender(value)


def _bid(value, loaded):
    from portal.procurement.bid_queries import get_bid, get_bid_of_tender

    return get_bid_of_tender(loaded["tender"], value) if "tender" in loaded else get_bid(value)


def _bid_document(value, loaded):
    from portal.procurement.bid_queries import get_bid_document

    return get_bid_document(loaded["bid"], value)


def _bid_member(value, loaded):
    from portal.procurement.bid_queries import get_bid_member

    row = get_bid_member(value)
    return None if row is None or ("bid" in loaded and row.bid_id != loaded["bid"].id) else row


def _lot(value, loaded):
    from portal.procurement.evaluation_queries import get_lot

    return get_lot(loaded["tender"], value)


def _thread(value, _loaded):
    from portal.engagement.queries import get_thread

    return get_thread(value, g.membership)


def _thread_question(value, loaded):
    from portal.engagement.queries import get_question

    return get_question(loaded["thread"], value)


def _question(value, _loaded):
    from portal.procurement.clarification_queries import get_question

    return get_question(value)


def _supplier_list(value, _loaded):
    from portal.procurement.supplier_list_queries import get_list

    return get_list(value)


def _list_member(value, loaded):
    from portal.procurement.supplier_list_queries import get_member

    return get_member(loaded["supplier_list"], value)


def _tender_document(value, loaded):
    from portal.procurement.tender_document_queries import get_tender_document

    return get_tender_document(loaded["tender"], value)


def _invoice(value, _loaded):
    from portal.invoicing.queries import get_invoice

    return get_invoice(value)


def _invoice_attachment(value, loaded):
    from portal.invoicing.attachments import get_attachment

    return get_attachment(loaded["invoice"], value)


def _payment_run(value, _loaded):
    from portal.invoicing.payment_runs import get_run

    return get_run(value)


def _remittance(value, _loaded):
    from portal.invoicing.remittances import get_remittance

    return get_remittance(value)


def _visit_import(value, _loaded):
    from portal.invoicing.actuals import get_import

    return get_import(value)


def _visit(value, _loaded):
    from portal.invoicing.actuals import get_visit

    return get_visit(value)


def _proposal(value, loaded):
    from portal.proposals.queries import get_proposal

    found = get_proposal(value)
    if found is not None and "fund" in loaded and found.fund_id != loaded["fund"].id:
        return None  # a fund's bid is named under its own fund only
    return found


def _fund(value, _loaded):
    from portal.proposals.queries import get_fund

    return get_fund(value)


def _savings_target(value, _loaded):
    from portal.savings.queries import get_target

    return get_target(value)


def _saving(value, loaded):
    from portal.savings.queries import get_saving

    return get_saving(loaded["target"], value)


def _api_token(value, _loaded):
    from portal.accounts.queries import get_own_api_token

    return get_own_api_token(current_user, value)


def _mail(value, _loaded):
    from portal.notifications.queries import get_dev_mail

    return get_dev_mail(value)


def _organisation(value, _loaded):
    """Platform administration only (the pipeline refuses those routes to anyone else)."""
    from portal.offboarding.queries import get_organisation

    return get_organisation(value)


def _export(value, loaded):
    from portal.offboarding.queries import export_of, get_export

    if "organisation" in loaded:  # the platform administrator's pages name the organisation
        return export_of(loaded["organisation"], value)
    return get_export(value)


LOADERS: dict[str, Loader] = {
    "organisation_id": Loader("organisation", _organisation, "No such organisation"),
    "membership_id": Loader("membership", _member, "No such member"),
    "invitation_id": Loader("invitation", _invitation, "No such invitation"),
    "contract_id": Loader("contract", _contract, "No such contract"),
    "return_id": Loader("ret", _return, "No such return"),
    "number": Loader("version", _version, "No such version of this return"),
    "submitted_document_id": Loader("submitted_document", _submitted_document, "No such document in this version"),
    "task_key": Loader("task", _task, "No such section in this return"),
    "import_id": Loader("item", _import, "No such import"),
    "document_id": Loader("document", _document, "No such document"),
    "framework_id": Loader("framework", _framework, "No such framework"),
    "outcome_id": Loader("outcome", _outcome, "No such outcome"),
    "collaborative_id": Loader("member", _collaborative, "No such collaborative"),
    "tender_id": Loader("tender", _tender, "No such tender"),
    "bid_id": Loader("bid", _bid, "No such bid"),
    "bid_document_id": Loader("bid_document", _bid_document, "No such document in this bid"),
    "bid_member_id": Loader("bid_member", _bid_member, "No such member of a bid"),
    "lot_number": Loader("lot", _lot, "No such lot in this tender"),
    "thread_id": Loader("thread", _thread, "No such thread"),
    "post_id": Loader("question", _thread_question, "No such question in this thread"),
    "question_id": Loader("question", _question, "No such question"),
    "supplier_list_id": Loader("supplier_list", _supplier_list, "No such approved supplier list"),
    "list_member_id": Loader("list_member", _list_member, "No such member of this list"),
    "tender_document_id": Loader("tender_document", _tender_document, "No such document of this tender"),
    "invoice_id": Loader("invoice", _invoice, "No such invoice"),
    "invoice_attachment_id": Loader("attachment", _invoice_attachment, "No such document of this invoice"),
    "payment_run_id": Loader("run", _payment_run, "No such payment run"),
    "remittance_id": Loader("remittance", _remittance, "No such remittance advice"),
    "visit_import_id": Loader("visit_import", _visit_import, "No such visit file"),
    "visit_id": Loader("visit", _visit, "No such visit"),
    "fund_id": Loader("fund", _fund, "No such investment fund"),
    "proposal_id": Loader("proposal", _proposal, "No such proposal"),
    "target_id": Loader("target", _savings_target, "No such savings target"),
    "saving_id": Loader("saving", _saving, "No such saving"),
    "token_id": Loader("token", _api_token, "No such token"),
    "message_id": Loader("message", _mail, "No such message"),
    "export_id": Loader("export", _export, "No such export"),
}

#: URL arguments that are not objects: the organisation, a file format, a signed link, a file.
NOT_OBJECTS = {"slug", "file_format", "token", "filename"}


class NotFoundInUrl(Exception):
    def __init__(self, message: str, argument: str | None = None, value: Any = None):
        super().__init__(message)
        self.message, self.argument, self.value = message, argument, value


def load_url_objects(view_args: dict[str, Any]) -> None:
    """Replace each id in ``view_args`` by its object, or raise NotFoundInUrl."""
    loaded: dict[str, Any] = {}
    for argument, loader in LOADERS.items():
        if argument not in view_args:
            continue
        value = view_args.pop(argument)
        found = loader.load(value, loaded)
        if found is None:
            raise NotFoundInUrl(loader.message, argument, value)
        loaded[loader.keyword] = found
        view_args[loader.keyword] = found
