"""The README and docs/ stand on their own in a clone: every link inside the repository
resolves (anchors included), none leaves it, and "DESIGN §n" names a section that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "systemd" / "README.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} (.+)$", re.MULTILINE)
ARCHITECTURE = REPO / "docs" / "architecture.md"


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {anchor(h) for h in HEADING.findall(path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_link_resolves_inside_the_repository(doc: Path) -> None:
    broken = []
    for target in LINK.findall(doc.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):  # https://…, mailto:… are not files of ours
            continue
        file_part, _, fragment = target.partition("#")
        path = (doc.parent / file_part).resolve() if file_part else doc
        if REPO not in path.parents and path != REPO:
            broken.append(f"{target}: outside the repository")
        elif not path.exists():
            broken.append(f"{target}: no such file")
        elif fragment and path.suffix == ".md" and fragment not in anchors(path):
            broken.append(f"{target}: no such heading")
    assert broken == []


def test_design_sections_cited_anywhere_exist_in_docs_architecture() -> None:
    sections = {
        int(m.group(1))
        for m in re.finditer(r"^## (\d+)\. ", ARCHITECTURE.read_text(encoding="utf-8"), re.M)
    }
    assert sections == set(range(1, 9))
    cited: set[int] = set()
    for path in REPO.rglob("*"):
        if not path.is_file() or path.suffix not in {
            ".py",
            ".md",
            ".toml",
            ".conf",
            ".acl",
            ".rules",
            ".yaml",
            ".service",
        }:
            continue
        if {".venv", ".git", "node_modules"} & set(path.relative_to(REPO).parts):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        assert "../" + "shared/" not in text, path  # the design notes outside the repository
        for match in re.finditer(r"DESIGN §(\d+)((?:, ?§\d+)*)", text):
            cited.add(int(match.group(1)))
            cited.update(int(n) for n in re.findall(r"§(\d+)", match.group(2)))
    assert cited and cited <= sections
