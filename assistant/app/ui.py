"""Chainlit pieces around the conversation: the machine chip, chat settings, the welcome message,
the source chips of a decline, and the window messages ``public/app.js`` listens for.

The machine chip is one of Chainlit's composer "modes" (a documented picker that stays visible
next to the message box and travels with every message as ``message.modes``); it replaced a
chat-settings ``Select`` whose "Any machine" item had an empty value and blanked the page.
"""

from __future__ import annotations

from typing import Any, Sequence

import chainlit as cl

from assistant.app.labels import clip, excerpt_body, unique_labels, where
from assistant.app.scope import ANY_MACHINE

MACHINE_MODE = "machine"
AUTOSEND = "voice_autosend"
EXAMPLE_ACTION = "ask_example"  # also a thread title the data layer does not keep
SOURCE_CHIPS = "SourceChips"  # public/elements/SourceChips.jsx
APP_MESSAGE = "maintassist"  # key of the window messages app.js handles


def machine_mode(assets: Sequence[tuple[str, str]], current: str | None) -> cl.Mode:
    """The chip's options: 'Any machine' (clears the scope) then every registered asset."""
    options = [cl.ModeOption(id=ANY_MACHINE, name="Any machine", icon="factory", default=not current,
                             description="Search every machine's documents")]
    known = {asset_id for asset_id, _ in assets}
    for asset_id, label in list(assets) + ([(current, current)] if current and current not in known else []):
        options.append(cl.ModeOption(id=asset_id, name=label, icon="factory", default=asset_id == current))
    return cl.Mode(id=MACHINE_MODE, name="Machine", options=options)


async def show_machine(assets: Sequence[tuple[str, str]], current: str | None) -> None:
    await cl.context.emitter.set_modes([machine_mode(assets, current)])


def selected_machine(modes: dict[str, str] | None) -> str | None | bool:
    """The chip's value sent with a message: an asset id, None for 'Any machine', False if absent."""
    if not modes or MACHINE_MODE not in modes:
        return False
    return None if modes[MACHINE_MODE] == ANY_MACHINE else modes[MACHINE_MODE]


def chat_settings(autosend: bool) -> cl.ChatSettings:
    from chainlit.input_widget import Switch

    return cl.ChatSettings([Switch(
        id=AUTOSEND, label="Send spoken questions at once", initial=autosend,
        description="Off: what was heard lands in the message box to check first. "
                    "On: it is sent straight away (gloved hands).")])


def welcome_markdown(user: str, can_audit: bool) -> str:
    lines = [f"**Hello {user}.** Ask about the machine in front of you. Every answer shows where it comes "
             "from: tap a **[1]** to read the source.",
             "",
             "- **Machine:** the machine button under the message box picks it; a QR code on the machine "
             "does it for you.",
             "- **`/procedure` and the problem** (e.g. `/procedure pump whines`): a step-by-step checklist, "
             "safety first.",
             "- **Speak:** tap the microphone; it stops when you stop talking, and what was heard lands in "
             "the box for a check."]
    if can_audit:
        lines.append("- **`/audit`** opens the audit view; **`/thread <id>`** shows a conversation.")
    lines += ["", "Try one of these:"]
    return "\n".join(lines)


async def send_welcome(user: str, can_audit: bool, examples: Sequence[str]) -> None:
    actions = [cl.Action(name=EXAMPLE_ACTION, payload={"text": q}, label=q, icon="message-circle-question")
               for q in examples]
    await cl.Message(content=welcome_markdown(user, can_audit), author="Assistant", actions=actions,
                     metadata={"welcome": True}).send()


def source_chips(citations: Sequence[Any], title: str = "Nearest sources") -> cl.CustomElement:
    """A decline's nearest sources as tappable chips, collapsed until the technician opens them."""
    labels = unique_labels(citations)
    chips = [{"n": c.n, "label": labels[c.n], "where": where(c), "excerpt": clip(excerpt_body(c.excerpt, c.label), 400)}
             for c in citations]
    return cl.CustomElement(name=SOURCE_CHIPS, props={"title": title, "sources": chips}, display="inline")


async def fill_composer(text: str, send: bool = False) -> None:
    """Put ``text`` in the message box (app.js), and submit it when ``send``."""
    await cl.send_window_message({APP_MESSAGE: "compose", "text": text, "send": send})
