"""The supervisor's audit view: a page made for reading on a tablet, its data and its exports.

    GET /maintassist/audit                 the page (filters, short ids, tap to open a conversation)
    GET /maintassist/audit/rows?...        exchanges (answers and procedure runs) as JSON
    GET /maintassist/audit/thread/{ref}    one conversation by id or id prefix, as JSON
    GET /maintassist/audit/export.csv?...  the same rows as CSV (or export.jsonl)

Every route reads the Chainlit auth cookie and the caller's role from our users table on each
request: 401 without a valid login, 403 for technicians. An unknown filter answers 400 with one
clear line. Audit reads are themselves audited (action ``audit_view`` / ``audit_export``).
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any, Callable

# FastAPI reads the handlers' annotations (Request), so its names live at module level.
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from assistant.app import audit_query
from assistant.app.http_auth import request_user
from assistant.app.transcript import transcript_json
from assistant.db.export import exchanges, write_csv, write_jsonl

PREFIX = "/maintassist/audit"
PAGE_DIR = Path(__file__).resolve().parent / "audit_page"


def page_html() -> str:
    """The page with its stylesheet and script inlined: one request, nothing from another origin."""
    html = (PAGE_DIR / "index.html").read_text(encoding="utf-8")
    css = (PAGE_DIR / "audit.css").read_text(encoding="utf-8")
    js = (PAGE_DIR / "audit.js").read_text(encoding="utf-8")
    return html.replace("/*STYLE*/", css).replace("/*SCRIPT*/", js)


def build_router(get_services: Callable[[], Any]) -> APIRouter:
    router = APIRouter()

    async def supervisor(request: Request):
        services = get_services()
        user = await request_user(services, dict(request.cookies))
        if user is None:
            raise HTTPException(401, "Log in first.")
        if not user.can_read_all:
            raise HTTPException(403, "Only supervisors and admins can open the audit view.")
        return services, user

    def filters(request: Request):
        try:
            return audit_query.parse_query(dict(request.query_params))
        except audit_query.AuditFilterError as exc:
            raise HTTPException(400, str(exc)) from None

    @router.get(PREFIX, response_class=HTMLResponse)
    async def page(request: Request):
        try:
            await supervisor(request)
        except HTTPException as exc:
            target = "/login" if exc.status_code == 401 else "/"
            return HTMLResponse(f"<!doctype html><meta charset=utf-8><title>maintassist audit</title>"
                                f"<p style='font:18px system-ui;padding:2em'>{exc.detail} "
                                f"<a href='{target}'>Back to the chat</a></p>", status_code=exc.status_code)
        return HTMLResponse(page_html(), headers={"Cache-Control": "no-store"})

    @router.get(PREFIX + "/rows")
    async def rows(request: Request):
        services, user = await supervisor(request)
        f = filters(request)
        found = await asyncio.to_thread(exchanges, services.audit, f)
        ok, broken = await asyncio.to_thread(services.audit.verify)
        await asyncio.to_thread(services.audit.append, user.username, "audit_view", audit_query.as_query(f))
        for r in found:
            r["short_id"] = audit_query.short_id(r["thread_id"])
        return JSONResponse({"rows": found[::-1], "summary": audit_query.summary(found), "chain_ok": ok,
                             "chain_broken_at": broken, "machines": [a for a, _ in services.assets],
                             "filters": audit_query.as_query(f)})

    @router.get(PREFIX + "/thread/{ref}")
    async def thread(ref: str, request: Request):
        services, user = await supervisor(request)
        ids = await asyncio.to_thread(services.conversations.thread_ids_with_prefix, user, ref.strip())
        try:
            thread_id = audit_query.resolve_thread(ref, ids)
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None
        view = await asyncio.to_thread(services.conversations.get_thread, user, thread_id)
        return JSONResponse(transcript_json(view))

    @router.get(PREFIX + "/export.{fmt}")
    async def export(fmt: str, request: Request):
        services, user = await supervisor(request)
        if fmt not in ("csv", "jsonl"):
            raise HTTPException(404, "Export as export.csv or export.jsonl.")
        f = filters(request)
        found = await asyncio.to_thread(exchanges, services.audit, f)
        out = io.StringIO()
        (write_csv if fmt == "csv" else write_jsonl)(found, out)
        await asyncio.to_thread(services.audit.append, user.username, "audit_export",
                                {"format": fmt, **audit_query.as_query(f), "rows": len(found)})
        media = "text/csv" if fmt == "csv" else "application/x-ndjson"
        return Response(out.getvalue(), media_type=f"{media}; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="maintassist-audit.{fmt}"'})

    return router


def install(app: Any, get_services: Callable[[], Any]) -> None:
    """Put our routes ahead of Chainlit's catch-all ``/{full_path:path}``, which would otherwise
    answer them with the chat page (Chainlit/chainlit#1819)."""
    app.router.routes[0:0] = build_router(get_services).routes
