"""The demo's market engagement thread: questions from several providers, replies, a published
answer set that names no provider; each provider reads only its own questions."""
from __future__ import annotations

from sqlalchemy import select


def test_the_demo_thread_has_a_published_answer_set_without_names(app):
    from portal.dev.demo import seed_demo
    from portal.engagement import queries
    from portal.engagement.models import Answer, ThreadQuestion, Thread
    from portal.extensions import db
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    with app.app_context():
        seed_demo()
        db.session.commit()
        with tenant_context(get_organisation_by_slug("aberdeen-hscp").id):
            thread = db.session.scalar(select(Thread))
            assert thread.title == "Recommissioning supported living 2027" and thread.listed
            askers = {q.provider.slug for q in queries.questions_of(thread)}
            assert len(askers) == 4 and len(queries.replies_of(thread)) == 4
            assert db.session.scalar(select(db.func.count(Answer.id))) == 3
        with tenant_context(get_organisation_by_slug("lochside-care").id):  # asked nothing: reads the set only
            thread = db.session.scalar(select(Thread))
            answers = queries.published_answers(thread)
            assert [a.number for a in answers] == [1, 2, 3]
            assert not any("Riverside" in a.question + a.answer for a in answers)
            assert db.session.scalar(select(db.func.count(ThreadQuestion.id))) == 0
        with tenant_context(get_organisation_by_slug("riverside-care").id):
            assert db.session.scalar(select(db.func.count(ThreadQuestion.id))) == 2
