"""A scripted Chainlit client: logs in over HTTP and talks over the real socket.io connection,
as the browser does (the attack run used the same kind of client)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timezone
from typing import Any

import httpx

PASSWORD = "correct horse"


def login(url: str, user: str, password: str = PASSWORD, address: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": address} if address else {}
    return httpx.post(f"{url}/login", data={"username": user, "password": password}, headers=headers, timeout=60)


def token(url: str, user: str, password: str = PASSWORD) -> str:
    response = login(url, user, password)
    assert response.status_code == 200, response.text
    return response.cookies["access_token"]


def api(url: str, tok: str | None, method: str, path: str, **kwargs) -> httpx.Response:
    cookies = {"access_token": tok} if tok else {}
    return httpx.request(method, f"{url}{path}", cookies=cookies, timeout=60, **kwargs)


class Chat:
    """One chat session over the socket; ``ask`` returns the messages the server sent until it was done."""

    def __init__(self, url: str, tok: str, thread_id: str | None = None, origin: str | None = None) -> None:
        self.url, self.tok, self.thread_id, self.origin = url, tok, thread_id, origin
        self.events: list[tuple[str, Any]] = []
        self._done = asyncio.Event()

    async def __aenter__(self) -> "Chat":
        import socketio

        self.sio = socketio.AsyncClient(reconnection=False)
        for name in ("new_message", "update_message", "stream_start", "stream_token", "first_interaction",
                     "window_message"):
            self.sio.on(name, self._recorder(name))
        self.sio.on("task_end", self._task_end)
        headers = {"Cookie": f"access_token={self.tok}"}
        if self.origin:
            headers["Origin"] = self.origin
        await self.sio.connect(self.url, socketio_path="/ws/socket.io", transports=["websocket"], headers=headers,
                               auth={"sessionId": str(uuid.uuid4()), "clientType": "webapp",
                                     "threadId": self.thread_id, "userEnv": "{}"}, wait_timeout=30)
        await self.sio.emit("connection_successful")
        await asyncio.sleep(1.0)  # on_chat_start runs
        return self

    async def __aexit__(self, *exc) -> None:
        await self.sio.disconnect()

    def _recorder(self, name: str):
        async def record(data):
            self.events.append((name, data))
        return record

    async def _task_end(self, _data=None):
        self._done.set()

    async def ask(self, text: str, timeout: float = 120) -> list[dict]:
        self._done.clear()
        start = len(self.events)
        message = {"id": str(uuid.uuid4()), "threadId": self.thread_id or "", "name": "user", "type": "user_message",
                   "output": text, "createdAt": datetime.now(timezone.utc).isoformat()}
        self.last_question = message
        await self.sio.emit("client_message", {"message": message, "fileReferences": []})
        await asyncio.wait_for(self._done.wait(), timeout)
        await asyncio.sleep(0.5)  # the last update_message may trail task_end
        return self.messages(start)

    async def speak(self, data: bytes, mime: str, chunk: int = 256 * 1024, timeout: float = 180) -> list[dict]:
        """Send a recording the way the browser's microphone does (audio_start, chunks, audio_end)."""
        self._done.clear()
        start = len(self.events)
        await self.sio.call("audio_start", timeout=30)
        t0 = time.monotonic()
        for offset in range(0, len(data), chunk):
            await self.sio.emit("audio_chunk", {"isStart": offset == 0, "mimeType": mime,
                                                "elapsedTime": time.monotonic() - t0,
                                                "data": data[offset:offset + chunk]})
        await self.sio.emit("audio_end")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not any(
                m.get("type") in ("assistant_message", "system_message", "composed") for m in self.replies(start)):
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.0)
        return self.replies(start)

    def replies(self, start: int = 0) -> list[dict]:
        """``messages`` plus what the server put in the message box (a voice transcript to check)."""
        composed = [{"type": "composed", "output": data.get("text", "")} for name, data in self.events[start:]
                    if name == "window_message" and isinstance(data, dict) and data.get("maintassist") == "compose"]
        return self.messages(start) + composed

    def messages(self, start: int = 0) -> list[dict]:
        """Latest state of each message sent since event ``start``, in order of first appearance."""
        latest: dict[str, dict] = {}
        for name, data in self.events[start:]:
            if name in ("new_message", "update_message") and isinstance(data, dict):
                latest[data["id"]] = {**latest.get(data["id"], {}), **data}
        return list(latest.values())


def run(coro):
    return asyncio.run(coro)
