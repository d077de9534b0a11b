"""The demo's returns are consistent with today: nothing is submitted, reviewed or confirmed in the
future, and what happened to each return happened in order."""
from __future__ import annotations

from datetime import timedelta


def test_nothing_in_the_demo_happens_after_now(app):
    from sqlalchemy import select

    from portal.dev.demo import seed_demo
    from portal.extensions import db
    from portal.models_base import utcnow
    from portal.returns import lateness
    from portal.returns.models import ACCEPTED, CHANGES_REQUESTED, RESUBMITTED, Return, ReturnVersion
    from portal.tenants.context import tenant_context
    from portal.tenants.models import PROVIDER, Organisation

    with app.app_context():
        seed_demo()
        db.session.commit()
        now = utcnow() + timedelta(seconds=1)
        providers = db.session.scalars(select(Organisation.id).where(Organisation.kind == PROVIDER)).all()
        versions = changes = confirmed = 0
        for provider_id in providers:
            with tenant_context(provider_id):
                for ret in db.session.scalars(select(Return)):
                    for version in db.session.scalars(select(ReturnVersion).where(ReturnVersion.return_id == ret.id)):
                        versions += 1
                        assert ret.period_end < lateness.london_date(version.submitted_at) and version.submitted_at <= now
                        assert version.late is lateness.version_is_late(version)
                        for warning in version.warnings.values():
                            confirmed += 1
                            assert warning["confirmed_at"] <= version.submitted_at.isoformat()
                    assert ret.reviewed_at is None or ret.reviewed_at <= now
                    if ret.status in (ACCEPTED, CHANGES_REQUESTED):  # reviewed after the latest submission
                        assert ret.submitted_at <= ret.reviewed_at
                    if ret.status == RESUBMITTED:  # resubmitted after the request for changes
                        assert ret.reviewed_at <= ret.submitted_at
                    if ret.status == CHANGES_REQUESTED:
                        changes += 1
                        assert ret.respond_by and ret.section_comments
        db.session.rollback()
    assert versions > 100 and changes >= 7 and confirmed >= 1
