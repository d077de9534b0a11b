"""Marshmallow schemas for the search API."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates

from portal.limits import MAX_PAGE
from portal.search.queries import MAX_QUERY_LENGTH, PAGE_SIZE


class SearchArgsSchema(Schema):
    q = fields.String(required=True, validate=validate.Length(max=MAX_QUERY_LENGTH), metadata={
        "description": "Search words (web search syntax: \"a phrase\", -excluded, or)"})
    page = fields.Integer(load_default=1, validate=validate.Range(
        min=1, max=MAX_PAGE, error=f"Enter a page number from 1 to {MAX_PAGE:,}"))
    per_page = fields.Integer(load_default=PAGE_SIZE, validate=validate.Range(min=1, max=100))

    @validates("q")
    def not_blank(self, value: str, **_kwargs) -> None:
        if not value.strip():
            raise ValidationError("Enter the words you are looking for")


class SearchLinksSchema(Schema):
    page = fields.String(metadata={"description": "The result's page in the portal"})
    return_page = fields.String(allow_none=True, metadata={"description": "The return's page in the portal"})


class SearchHitSchema(Schema):
    kind = fields.String(metadata={"description": "narrative or document"})
    title = fields.String(metadata={"description": "The outcome a narrative evidences, or the document's file name"})
    snippet = fields.String(metadata={
        "description": "HTML-escaped text around the matches, each match wrapped in <mark></mark>"})
    rank = fields.Float()
    provider = fields.String()
    return_id = fields.Integer(allow_none=True)
    version = fields.Integer(attribute="version_number", allow_none=True,
                             metadata={"description": "The submitted version searched (commissioners)"})
    return_status = fields.String(allow_none=True)
    period_start = fields.Date(allow_none=True)
    period_end = fields.Date(allow_none=True)
    contract_reference = fields.String(allow_none=True)
    measure_code = fields.String(allow_none=True)
    document_id = fields.Integer(allow_none=True)
    links = fields.Nested(SearchLinksSchema)


class SearchResultsSchema(Schema):
    query = fields.String()
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer(attribute="page_size")
    pages = fields.Integer()
    results = fields.List(fields.Nested(SearchHitSchema))
