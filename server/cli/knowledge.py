"""``cuecard kb``: knowledge-base import."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from server.cli.common import load_settings, open_store, require_tenant, run
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
@click.option(
    "--base-url",
    help="Public help-centre URL; each document links to BASE/<id>. Without it, documents "
    "imported before keep their links.",
)
@click.option(
    "--drop-links",
    is_flag=True,
    help="Remove the links of re-imported documents (instead of keeping them).",
)
@click.option(
    "--default/--not-default",
    "make_default",
    default=None,
    help="Make it the tenant's default knowledge base (new ones default to yes if "
    "the tenant has none).",
)
def import_folder(
    folder: Path,
    tenant_id: str,
    kb_name: str,
    base_url: str | None,
    drop_links: bool,
    make_default: bool | None,
) -> None:
    """Import FOLDER (.md, .txt, .html, .pdf; re-importing updates documents by path)."""
    if base_url and drop_links:
        raise click.UsageError("--base-url and --drop-links contradict each other; pick one")
    settings = load_settings()
    documents = run(_load(folder, base_url), {"folder": "FOLDER"})
    target = _Target(tenant_id, kb_name, make_default, keep_links=not drop_links)
    count = run(_store(settings.database_url, target, documents), {"tenant": "--tenant"})
    click.echo(f"Imported {count} documents into {tenant_id}/{kb_name}.")


@dataclass(frozen=True, slots=True)
class _Target:
    """Where the documents go and how stored ones are treated."""

    tenant_id: str
    kb_name: str
    make_default: bool | None
    keep_links: bool


async def _load(folder: Path, base_url: str | None) -> list[DocumentIn]:
    return load_folder(folder, base_url=base_url, progress=True)


async def _store(database_url: str, target: _Target, documents: list[DocumentIn]) -> int:
    async with open_store(database_url) as store:
        await require_tenant(store, target.tenant_id)
        knowledge_base = await _knowledge_base(store, target)
        if target.keep_links:
            documents = await _with_stored_links(store, knowledge_base, documents)
        return await store.documents.upsert_many(knowledge_base, documents)


async def _with_stored_links(
    store: Store, knowledge_base: KnowledgeBase, documents: list[DocumentIn]
) -> list[DocumentIn]:
    """Documents without a link take the one their stored version has, if any."""
    stored = await store.documents.list(knowledge_base.tenant_id, knowledge_base.id)
    links = {document.external_id: document.url for document in stored if document.url}
    return [
        document
        if document.url is not None or document.external_id not in links
        else DocumentIn.model_validate(
            {**document.model_dump(), "url": links[document.external_id]}
        )
        for document in documents
    ]


async def _knowledge_base(store: Store, target: _Target) -> KnowledgeBase:
    tenant_id, name, make_default = target.tenant_id, target.kb_name, target.make_default
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
