"""The demo's market engagement: Aberdeen's provider session on recommissioning supported living,
with questions from several providers, the commissioner's replies, and a published answer set
(worded without the askers); one question still waits for its reply."""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from portal.accounts.services import get_user_by_email
from portal.engagement import services
from portal.engagement.models import ThreadQuestion, Thread
from portal.extensions import db
from portal.tenants.context import tenant_context
from portal.tenants.queries import get_organisation_by_slug

TITLE = "Recommissioning supported living 2027"
DESCRIPTION = ("Questions from the provider session of 4 March on the plan to recommission supported living for "
               "adults with a learning disability from April 2027: three localities, block funding for outcomes, "
               "and a move away from commissioning by the hour. Ask here until the end of March; we publish the "
               "answers for every provider, without names.")
#: (provider, question, reply or None, the question as published or None to keep it out of the set)
QUESTIONS = (
    ("riverside-care", "Riverside Care supports 14 tenants in Torry now. Will the sleepover rate be set at the Scottish "
     "Living Wage or above it from April 2027?",
     "The sleepover rate will be at least the Scottish Living Wage for every hour, set each April.",
     "Will the sleepover rate be set at the Scottish Living Wage or above it from April 2027?"),
    ("hillview-support", "How will outcomes be measured in the first year, before there is a baseline?",
     "The first six months set the baseline: providers report the nine national outcomes quarterly and we agree "
     "targets together from month seven.",
     "How will outcomes be measured in the first year, before there is a baseline?"),
    ("brightpath-support", "Can a provider bid for more than one locality?",
     "Yes. Each locality is a lot of its own, and a provider may be awarded more than one.",
     "Can a provider bid for more than one locality?"),
    ("oakfield-care", "Will the staff who support people now transfer under TUPE?",
     "We expect TUPE to apply in most services; the tender will include the staffing information.", None),
    ("riverside-care", "Is there funding for the technology-enabled care that the plan mentions?", None, None),
)


def seed_demo_threads() -> int:
    """Make the demo thread if it is missing; returns how many threads were made."""
    aberdeen = get_organisation_by_slug("aberdeen-hscp")
    if aberdeen is None:
        return 0
    with tenant_context(aberdeen.id):
        if db.session.scalar(select(Thread.id).where(Thread.tenant_id == aberdeen.id, Thread.title == TITLE)):
            return 0
        admin = get_user_by_email("admin@aberdeen-hscp.example")
        membership = SimpleNamespace(organisation=aberdeen, tenant_id=aberdeen.id, role="commissioner_admin",
                                     user_id=admin.id if admin else None)
        thread = services.open_thread(aberdeen, membership, title=TITLE, description=DESCRIPTION, actor=admin)
        thread_id = thread.id
    asked = []
    for slug, body, _reply, _wording in QUESTIONS:
        provider = get_organisation_by_slug(slug)
        if provider is None:
            asked.append(None)
            continue
        with tenant_context(provider.id):
            question = services.ask(provider, db.session.get(Thread, thread_id), body,
                                    actor=get_user_by_email(f"admin@{slug}.example"))
            asked.append(question.id)
    with tenant_context(aberdeen.id):
        thread = db.session.get(Thread, thread_id)
        for question_id, (_slug, _body, reply, wording) in zip(asked, QUESTIONS):
            if question_id is None or reply is None:
                continue
            question = db.session.get(ThreadQuestion, question_id)
            services.reply(thread, question, reply, actor=admin)
            if wording:
                services.mark(thread, question, question_text=wording, answer_text=reply, actor=admin)
        services.publish_answers(thread, actor=admin)
    return 1
