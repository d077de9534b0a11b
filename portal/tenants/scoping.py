"""Layer 2 (ORM) and the hook for layer 4 (row-level security).

- every SELECT, UPDATE and DELETE on a tenant-owned model gets ``tenant_id = :current``
  through ``with_loader_criteria``; with no tenant set it fails closed;
- ``before_flush`` stamps ``tenant_id`` on new rows and refuses rows of another tenant;
- ``after_begin`` sets ``app.org_id`` and ``app.user_id`` for the transaction
  (``set_config(..., true)`` with bound parameters), which the RLS policies read.

Cross-tenant reads are explicit: ``.execution_options(cross_tenant=True)`` skips the ORM
criteria (RLS still applies). ``.execution_options(user_scope=True)`` reads the signed-in
user's own rows of models that set ``__user_scoped__`` (their memberships).
"""
from __future__ import annotations

import warnings

from sqlalchemy import BigInteger, ForeignKey, Table, and_, event, or_
from sqlalchemy.sql import visitors
from sqlalchemy.orm import Mapped, Mapper, ORMExecuteState, Session, declared_attr, mapped_column, with_loader_criteria

from portal.tenants.context import CrossTenantWrite, TenantNotSet, current_tenant_id, current_user_id, settings_begun


# with_loader_criteria calls the criteria lambda once on the mixin itself to analyse it.
warnings.filterwarnings("ignore", message="Unmanaged access of declarative attribute tenant_id from non-mapped "
                        "class TenantScoped")


class TenantScoped:
    """Mixin for every tenant-owned model: ``tenant_id`` is the owning organisation."""

    #: True for models with a ``user_id`` whose owner may read their rows in every tenant.
    __user_scoped__: bool = False

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(
            ForeignKey("organisations.id", ondelete="RESTRICT"), nullable=False, index=False
        )

    @classmethod
    def tenant_criteria(cls, tenant):
        """The rows the organisation ``tenant`` may see (mirrors the table's RLS policies)."""
        return cls.tenant_id == tenant

    @classmethod
    def writable_by(cls, obj, tenant) -> bool:
        return obj.tenant_id == tenant


class CommissionerVisible(TenantScoped):
    """A provider-owned row that its commissioner also sees (contracts, returns, versions).

    ``tenant_id`` is the provider; ``commissioner_id`` the commissioning organisation. Rows
    whose ``status`` is in ``__hidden_from_commissioner__`` (drafts) stay the provider's own.
    """

    __hidden_from_commissioner__: tuple[str, ...] = ()

    @declared_attr
    def commissioner_id(cls) -> Mapped[int]:
        return mapped_column(BigInteger, ForeignKey("organisations.id", ondelete="RESTRICT"), nullable=False)

    @classmethod
    def tenant_criteria(cls, tenant):
        commissioner = cls.commissioner_id == tenant
        if cls.__hidden_from_commissioner__:
            commissioner = and_(commissioner, cls.status.not_in(cls.__hidden_from_commissioner__))
        return or_(cls.tenant_id == tenant, commissioner)

    @classmethod
    def writable_by(cls, obj, tenant) -> bool:
        return obj.tenant_id == tenant or obj.commissioner_id == tenant


def tenant_models(mappers) -> list[type]:
    return [m.class_ for m in mappers if issubclass(m.class_, TenantScoped)]


_TABLES: dict = {"tables": None}


@event.listens_for(Mapper, "instrument_class")
def _forget_tenant_tables(_mapper, _cls) -> None:
    _TABLES["tables"] = None  # a model was added: the table map is rebuilt at the next query


def _tenant_tables() -> dict:
    """Table -> tenant-owned model, built once (again only after a model is added)."""
    from portal.extensions import db

    if _TABLES["tables"] is None:
        _TABLES["tables"] = {m.local_table: m.class_ for m in db.Model.registry.mappers
                             if issubclass(m.class_, TenantScoped)}
    return _TABLES["tables"]


def tenant_models_in(statement) -> list[type]:
    """Every tenant-owned model the statement reads, wherever: FROM, functions, subqueries."""
    tables = _tenant_tables()
    found = []
    for element in visitors.iterate(statement):
        model = tables.get(element) if isinstance(element, Table) else None
        if model is not None and model not in found:
            found.append(model)
    return found


@event.listens_for(Session, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria travel with the parent query (propagate_to_loaders)
    options = state.execution_options
    if options.get("cross_tenant"):
        return
    scoped = tenant_models(state.all_mappers)
    for model in tenant_models_in(state.statement):
        if model not in scoped:
            scoped.append(model)
    if not scoped:
        return
    if options.get("user_scope"):
        user = current_user_id()
        if user is None:
            raise TenantNotSet("user_scope query with no signed-in user")
        for cls in scoped:
            if not cls.__user_scoped__:
                raise TenantNotSet(f"{cls.__name__} cannot be read by user scope")
            # ``user`` is a closure variable, so SQLAlchemy binds it per execution;
            # a default argument would be cached into the statement.
            state.statement = state.statement.options(
                with_loader_criteria(cls, lambda c: c.user_id == user, include_aliases=True))
        return
    tenant = current_tenant_id()
    if tenant is None:
        raise TenantNotSet(
            f"query on {', '.join(c.__name__ for c in scoped)} with no tenant in context")
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_criteria(tenant), include_aliases=True)
    )


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session: Session, flush_context, instances) -> None:
    tenant = current_tenant_id()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if tenant is None:
            raise TenantNotSet(f"new {type(obj).__name__} with no tenant in context")
        if obj.tenant_id is None:
            obj.tenant_id = tenant
        elif not obj.writable_by(obj, tenant):
            raise CrossTenantWrite(f"{type(obj).__name__} for tenant {obj.tenant_id} written as {tenant}")
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, TenantScoped) and not obj.writable_by(obj, tenant):
            raise CrossTenantWrite(f"{type(obj).__name__} of tenant {obj.tenant_id} changed as {tenant}")


@event.listens_for(Session, "after_begin")
def _set_rls_settings(session: Session, transaction, connection) -> None:
    settings_begun(connection)
