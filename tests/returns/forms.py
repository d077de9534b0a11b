"""Helpers for the provider's return pages: what a browser would send from a form as shown, and
reads of a return as its provider."""
from __future__ import annotations

from bs4 import BeautifulSoup


def form_data(html: str, *, button: str | None = None) -> dict[str, object]:
    """The fields of the page's form with a ``version`` field, as a browser sends them untouched:
    inputs with their values, textareas with their text, checked radios and checkboxes; and the
    submit ``button`` pressed (by its text), if any."""
    soup = BeautifulSoup(html, "html.parser")
    form = next(f for f in soup.find_all("form") if f.find("input", attrs={"name": "version"}))
    data: dict[str, object] = {}

    def add(name, value):
        if name in data:
            data[name] = [*data[name], value] if isinstance(data[name], list) else [data[name], value]
        else:
            data[name] = value

    for field in form.find_all(["input", "textarea"]):
        name = field.get("name")
        if not name:
            continue
        if field.name == "textarea":
            add(name, field.text.removeprefix("\n"))
        elif field.get("type") in ("radio", "checkbox"):
            if field.has_attr("checked"):
                add(name, field.get("value", "on"))
        elif field.get("type") != "submit":
            add(name, field.get("value", ""))
    if button:
        pressed = next(b for b in form.find_all("button") if b.get_text(strip=True) == button)
        if pressed.get("name"):
            data[pressed["name"]] = pressed.get("value", "")
    return data


def as_provider(app, provider_id: int, fn):
    """Run ``fn()`` as the provider, in an application context; returns what it returns."""
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(provider_id):
        return fn()


def stored_answers(app, provider_id: int, return_id: int) -> dict[str, tuple]:
    """The answer rows of a return: measure code -> (number, bool, text)."""
    from portal.returns import queries

    def read():
        ret = queries.get_return(return_id)
        return {a.measure.code: (a.value_number, a.value_bool, a.value_text) for a in queries.answers_for(ret)}

    return as_provider(app, provider_id, read)


def lock_version(app, provider_id: int, return_id: int) -> int:
    from portal.returns import queries

    return as_provider(app, provider_id, lambda: queries.get_return(return_id).lock_version)
