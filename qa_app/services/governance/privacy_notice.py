"""The privacy notice for staff users: the council's own text from PRIVACY_NOTICE_FILE, or a
default that says what the app holds about them and why.

The file is plain text, read on each view so that a change needs no restart: a blank line
between paragraphs, "## " before a heading, "- " before each item of a list. It is shown as
text, never as HTML.
"""
from dataclasses import dataclass
from pathlib import Path

from flask import current_app


@dataclass
class Block:
    kind: str  # "heading", "paragraph" or "list"
    text: str = ""
    items: tuple[str, ...] = ()


def configured_text() -> str | None:
    """The council's notice, or None for the default."""
    path = current_app.config.get("PRIVACY_NOTICE_FILE")
    return Path(path).read_text(encoding="utf-8") if path else None


def blocks(text: str) -> list[Block]:
    found = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        if lines[0].startswith("## "):
            found.append(Block("heading", lines[0][3:].strip()))
            lines = lines[1:]
        if lines and all(line.startswith("- ") for line in lines):
            found.append(Block("list", items=tuple(line[2:].strip() for line in lines)))
        elif lines:
            found.append(Block("paragraph", " ".join(lines)))
    return found


def notice_blocks() -> list[Block] | None:
    """The configured notice as blocks, or None when the default template text applies."""
    text = configured_text()
    return blocks(text) if text is not None else None
