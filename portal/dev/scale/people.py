"""Organisations, people and memberships of the scale data set.

Commissioners are ``scale-c-NNN`` and providers ``scale-p-NNNNN``; each index has its own seeded
random generator, so organisation 57 is the same whether it was made by scale 1 or scale 10.
Everyone signs in with SCALE_PASSWORD (one argon2 hash, computed once)."""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from portal.dev.scale.bulk import Writer

SCALE_PASSWORD = "scale-pass-2026"
PROVIDER_ROLES = (("admin", "provider_admin"), ("staff", "submitter"), ("finance", "finance"))
COMMISSIONER_ROLES = (("admin", "commissioner_admin"), ("commissioner", "contract_manager"),
                      ("manager", "contract_manager"), ("procurement", "procurement"))
PLACES_SCOTLAND = ["Glasgow", "Edinburgh", "Fife", "Highland", "Dundee", "Aberdeenshire", "Perth and Kinross",
                   "Stirling", "Falkirk", "Renfrewshire", "Inverclyde", "Angus", "Moray", "Borders", "Ayrshire"]
PLACES_ENGLAND = ["Leeds", "Bristol", "Norfolk", "Kent", "Cumbria", "Devon", "Sheffield", "Derbyshire",
                  "Lancashire", "Surrey", "Essex", "Manchester", "Birmingham", "Suffolk", "Durham"]
PROVIDER_WORDS = ["Riverside", "Hillview", "Oakfield", "Northgate", "Brightpath", "Lochside", "Meadow", "Heather",
                  "Thistle", "Beacon", "Harbour", "Willow", "Cedar", "Glen", "Ashgrove", "Kingsway", "Summit",
                  "Clyde", "Forth", "Tay", "Pennine", "Mersey", "Severn", "Cairn", "Rowan", "Larch", "Birch"]
PROVIDER_KINDS = ["Care", "Support", "Living", "Care Services", "Homecare", "Community Care", "Housing Support",
                  "Trust", "Partnership"]
FIRST = ["Morag", "Iain", "Fiona", "Priya", "Tom", "Grace", "Jamie", "Ruth", "Sean", "Aisha", "Neil", "Eilidh",
         "Callum", "Mhairi", "Ewan", "Kirsty", "Ahmed", "Zofia", "Lewis", "Isla", "Oliver", "Amira", "Hamish", "Sian"]
LAST = ["Campbell", "Fraser", "Reid", "Shah", "Wilson", "Okafor", "Kerr", "Mackay", "Doyle", "Khan", "Munro",
        "Ross", "Duncan", "Grant", "Stewart", "Murray", "Nowak", "Patel", "Robertson", "Taylor", "Brown", "Ali"]


@dataclass
class Org:
    id: int
    slug: str
    name: str
    kind: str
    index: int
    people: dict[str, int] = field(default_factory=dict)  # role key ("admin", "staff"...) -> user id
    region: str = "scotland"


def commissioner_slug(index: int) -> str:
    return f"scale-c-{index:03d}"


def provider_slug(index: int) -> str:
    return f"scale-p-{index:05d}"


def commissioner_region(index: int) -> str:
    return "england" if index % 10 in (3, 7, 9) else "scotland"  # about a third English


def _commissioner_name(index: int) -> str:
    region = commissioner_region(index)
    places = PLACES_ENGLAND if region == "england" else PLACES_SCOTLAND
    place = places[index % len(places)]
    suffix = f" {index // len(places) + 1}" if index >= len(places) else ""
    return f"{place}{suffix} Council" if region == "england" else f"{place}{suffix} HSCP"


def _provider_name(rng: random.Random, index: int) -> str:
    return f"{rng.choice(PROVIDER_WORDS)} {rng.choice(PROVIDER_KINDS)} ({index})"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def existing(writer: Writer, prefix: str) -> dict[str, int]:
    rows = writer.conn.execute("select slug, id from organisations where slug like %s", (prefix + "%",)).fetchall()
    return dict(rows)


def people_of(writer: Writer, org_ids: list[int]) -> dict[int, dict[str, int]]:
    """The generated people of existing organisations: org id -> {role key: user id}."""
    found: dict[int, dict[str, int]] = {}
    for org_id in org_ids:
        writer.set_tenant(org_id)
        for user_id, email in writer.conn.execute(
                "select u.id, u.email from memberships m join users u on u.id = m.user_id where m.tenant_id = %s",
                (org_id,)):
            found.setdefault(org_id, {})[email.split("@", 1)[0]] = user_id
    return found


def make_organisations(writer: Writer, kind: str, indexes: list[int], password_hash: str, seed: int) -> list[Org]:
    """New organisations with their people (users and memberships); returns them."""
    if not indexes:
        return []
    ids = writer.reserve_ids("organisations", len(indexes))
    orgs, org_rows = [], []
    roles = PROVIDER_ROLES if kind == "provider" else COMMISSIONER_ROLES
    for org_id, index in zip(ids, indexes):
        rng = random.Random(f"{seed}-{kind}-{index}")
        if kind == "provider":
            slug, name = provider_slug(index), _provider_name(rng, index)
        else:
            slug, name = commissioner_slug(index), _commissioner_name(index)
        org = Org(org_id, slug, name, kind, index, region=commissioner_region(index) if kind != "provider" else "")
        orgs.append(org)
        org_rows.append((org_id, slug, name, kind, writer.now - _days(rng, 1100, 1300)))
    writer.copy("organisations", ("id", "slug", "name", "kind", "created_at"), org_rows, as_tenant=False)
    user_ids = writer.reserve_ids("users", len(orgs) * len(roles))
    user_rows, member_rows = [], []
    position = 0
    for org in orgs:
        rng = random.Random(f"{seed}-{kind}-{org.index}-people")
        for key, role in roles:
            user_id = user_ids[position]
            position += 1
            org.people[key] = user_id
            joined = writer.now - _days(rng, 900, 1100)
            user_rows.append((user_id, f"{key}@{org.slug}.example", _person(rng), password_hash, joined,
                              writer.now - _days(rng, 0, 30)))
            member_rows.append((org.id, user_id, role, joined))
    writer.copy("users", ("id", "email", "full_name", "password_hash", "created_at", "last_sign_in_at"),
                user_rows, as_tenant=False)
    writer.copy("memberships", ("tenant_id", "user_id", "role", "created_at"), member_rows)
    return orgs


def _days(rng: random.Random, low: int, high: int):
    from datetime import timedelta

    return timedelta(days=rng.randint(low, high), minutes=rng.randint(0, 1439))
