"""``ccm catalog``: rebuild the DynamoDB catalog from the S3 archive."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ccm.cli.common import JsonOption, cli_errors, console, emit_json, settings
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog

app = typer.Typer(help="Maintain the catalog that lists and search read.", no_args_is_help=True)


@app.command("rebuild")
@cli_errors
def rebuild(as_json: bool = JsonOption) -> None:
    """Wipe the catalog rows and recreate them from every object in archive/ and drafts/."""
    current = settings()
    archive = ArchiveStore(current.bucket)
    catalog = Catalog(current.table)
    total = archive.count_objects()
    with Progress(
        TextColumn("rebuilding catalog"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=as_json,
    ) as progress:
        task = progress.add_task("rebuild", total=total)
        result = catalog.rebuild(archive, on_object=lambda: progress.advance(task))
    if as_json:
        emit_json({"objects": result.objects, "rows_removed": result.rows_removed})
    else:
        console.print(f"catalog rebuilt: {result.objects} objects indexed ({result.rows_removed} old rows removed)")
