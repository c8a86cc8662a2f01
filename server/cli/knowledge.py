"""``cuecard kb``: knowledge-base import."""

from __future__ import annotations

from pathlib import Path

import click

from server.cli.common import load_settings, open_store, run
from server.errors import NotFound
from server.kb.loader import load_folder
from server.store.database import Store
from server.store.models import DocumentIn, KnowledgeBase


@click.group()
def kb() -> None:
    """Manage knowledge bases."""


@kb.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--tenant", "tenant_id", required=True, help="Tenant that owns the knowledge base.")
@click.option("--kb", "kb_name", default="default", show_default=True, help="Knowledge base name.")
@click.option("--base-url", help="Public help-centre URL; each document links to BASE/<id>.")
@click.option(
    "--default/--not-default",
    "make_default",
    default=None,
    help="Make it the tenant's default knowledge base (new ones default to yes if "
    "the tenant has none).",
)
def import_folder(
    folder: Path, tenant_id: str, kb_name: str, base_url: str | None, make_default: bool | None
) -> None:
    """Import FOLDER (.md, .txt, .html, .pdf; re-importing updates documents by path)."""
    settings = load_settings()
    documents = run(_load(folder, base_url))
    count = run(_store(settings.database_url, tenant_id, kb_name, make_default, documents))
    click.echo(f"Imported {count} documents into {tenant_id}/{kb_name}.")


async def _load(folder: Path, base_url: str | None) -> list[DocumentIn]:
    return load_folder(folder, base_url=base_url, progress=True)


async def _store(
    database_url: str,
    tenant_id: str,
    kb_name: str,
    make_default: bool | None,
    documents: list[DocumentIn],
) -> int:
    async with open_store(database_url) as store:
        knowledge_base = await _knowledge_base(store, tenant_id, kb_name, make_default)
        return await store.documents.upsert_many(knowledge_base, documents)


async def _knowledge_base(
    store: Store, tenant_id: str, name: str, make_default: bool | None
) -> KnowledgeBase:
    if await store.tenants.get(tenant_id) is None:
        raise NotFound(
            f"no tenant {tenant_id!r}; create it with: cuecard tenant create", field="tenant"
        )
    existing = await store.knowledge_bases.get_by_name(tenant_id, name)
    if existing is None:
        is_default = (
            make_default
            if make_default is not None
            else (await store.knowledge_bases.get_default(tenant_id) is None)
        )
        return await store.knowledge_bases.create(tenant_id, name, is_default=is_default)
    if make_default:
        return await store.knowledge_bases.set_default(tenant_id, existing.id)
    return existing
