"""What differs between two texts or two lists, as ("same" | "del" | "ins", text) parts to show.
Pure computation: no Django."""

from __future__ import annotations

import difflib
import re

WORD = re.compile(r"\w+\s*|[^\w\s]\s*|\s+")  # a word with the spaces after it
ALIKE = 0.4  # below this share of common words, a paragraph is shown as replaced whole
MAX_WORD_DIFF = 3000  # tokens per changed paragraph block compared word by word


def list_diff(old: list[str], new: list[str]) -> list[tuple[str, str]]:
    kept = set(old) & set(new)
    removed = [("del", entry) for entry in old if entry not in kept]
    return removed + [("same" if entry in kept else "ins", entry) for entry in new]


def text_diff(old, new) -> list[tuple[str, str]]:
    """Paragraphs compared first, then the words of changed paragraphs."""
    a = str(old or "").splitlines(keepends=True)
    b = str(new or "").splitlines(keepends=True)
    parts: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        before, after = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            parts.append(("same", before))
        elif op == "replace" and len(before) + len(after) < MAX_WORD_DIFF * 6:
            parts += _word_diff(before, after)
        else:
            parts += [p for p in (("del", before), ("ins", after)) if p[1]]
    return _joined(parts)


def _word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word by word when the paragraphs are alike; whole paragraphs when little is shared."""
    a, b = WORD.findall(old), WORD.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < ALIKE:
        return [p for p in (("del", old), ("ins", new)) if p[1]]
    parts = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(("same", "".join(a[i1:i2])))
        else:
            parts += [p for p in (("del", "".join(a[i1:i2])), ("ins", "".join(b[j1:j2]))) if p[1]]
    return parts


def _joined(parts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    joined: list[tuple[str, str]] = []
    for op, text in parts:
        if joined and joined[-1][0] == op:
            joined[-1] = (op, joined[-1][1] + text)
        else:
            joined.append((op, text))
    return joined
