"""``maintassist audit list|show|export|verify``: the supervisor's view of every exchange."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table


def _log(data_dir: Path | None):
    from assistant.wiring import container_from

    return container_from(data_dir).audit  # keyed, with the checkpoint outside the database


def _parse_when(value: str | None, option: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{option}: expected an ISO date like 2026-11-01 or 2026-11-01T08:00, "
                                 f"got {value!r}") from exc


def register(app: typer.Typer) -> None:
    from assistant.cli.options import DataDirOption

    audit_app = typer.Typer(help="Audit exchanges (who asked what, which sources, flags, feedback).",
                            no_args_is_help=True)
    app.add_typer(audit_app, name="audit")

    since_opt = typer.Option(None, "--since", help="From this UTC date/time (ISO).")
    until_opt = typer.Option(None, "--until", help="Before this UTC date/time (ISO).")
    user_opt = typer.Option(None, "--user", help="Only this user's exchanges.")
    asset_opt = typer.Option(None, "--asset", help="Only exchanges about this asset id.")
    flagged_opt = typer.Option(False, "--flagged", help="Only thumbs-down, abstentions, unsupported sentences.")

    def _rows(data_dir, since, until, user, asset, flagged):
        from assistant.db.export import ExchangeFilter, exchanges

        return exchanges(_log(data_dir), ExchangeFilter(
            since=_parse_when(since, "--since"), until=_parse_when(until, "--until"), user=user, asset=asset,
            flagged=flagged))

    @audit_app.command("list")
    def list_exchanges(since: str | None = since_opt, until: str | None = until_opt, user: str | None = user_opt,
                       asset: str | None = asset_opt, flagged: bool = flagged_opt,
                       data_dir: Path = DataDirOption) -> None:
        """One line per exchange; `audit show ID` prints the full event."""
        table = Table("id", "when (UTC)", "user", "asset", "question", "flags", "fb", "latency s")
        for r in _rows(data_dir, since, until, user, asset, flagged):
            flags = ",".join(sorted({f["kind"] for f in r["flags"]})) or ("abstained" if r["abstained"] else "")
            fb = {1: "+1", -1: "-1"}.get(r["feedback"], "")
            latency = f"{r['latency_s']:.1f}" if isinstance(r["latency_s"], (int, float)) else ""
            table.add_row(str(r["event_id"]), r["ts"], r["user"], r["asset"] or "", (r["question"] or "")[:60],
                          flags, fb, latency)
        Console().print(table)

    @audit_app.command("show")
    def show(event_id: int = typer.Argument(..., help="Audit event id."), data_dir: Path = DataDirOption) -> None:
        """Print one audit event as JSON."""
        entry = _log(data_dir).get(event_id)
        if entry is None:
            raise typer.BadParameter(f"no audit event {event_id}")
        typer.echo(json.dumps(entry.to_dict(), indent=2, ensure_ascii=False))

    @audit_app.command("export")
    def export(since: str | None = since_opt, until: str | None = until_opt, user: str | None = user_opt,
               asset: str | None = asset_opt, flagged: bool = flagged_opt,
               fmt: str = typer.Option("jsonl", "--format", help="csv | jsonl"),
               out: Path | None = typer.Option(None, "--out", help="Output file (default: stdout)."),
               data_dir: Path = DataDirOption) -> None:
        """Export exchanges with sources, flags, feedback and latency."""
        from assistant.db.export import write_csv, write_jsonl

        if fmt not in ("csv", "jsonl"):
            raise typer.BadParameter(f"--format must be csv or jsonl, got {fmt!r}")
        rows = _rows(data_dir, since, until, user, asset, flagged)
        writer = write_csv if fmt == "csv" else write_jsonl
        if out is None:
            writer(rows, sys.stdout)
            return
        with open(out, "w", encoding="utf-8", newline="") as fh:
            count = writer(rows, fh)
        typer.echo(f"wrote {count} exchanges to {out}", err=True)

    @audit_app.command("verify")
    def verify(data_dir: Path = DataDirOption) -> None:
        """Recompute the keyed hash chain, compare its end with the signed checkpoint, and check the
        stored messages and answers against what the chain recorded; exit 1 naming what was tampered with."""
        from assistant.wiring import container_from
        from assistant.db.integrity import verify_conversations

        container = container_from(data_dir)
        check = container.audit.check()
        if not check.ok:
            where = f" at event {check.bad_id}" if check.bad_id else ""
            typer.echo(f"audit chain BROKEN{where}: {check.reason}", err=True)
            raise typer.Exit(1)
        problems = verify_conversations(container.session_factory, container.audit)
        for line in problems[:20]:
            typer.echo(f"  {line}", err=True)
        if problems:
            typer.echo(f"audit chain OK, but {len(problems)} stored message(s) or answer(s) differ from it", err=True)
            raise typer.Exit(1)
        typer.echo("audit chain OK; stored messages and answers match it")
