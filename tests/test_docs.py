"""The README's links: mkdocs --strict checks the links inside docs/, not the README's."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def relative_links(markdown: str) -> list[str]:
    targets = re.findall(r"\]\(([^)\s]+)\)", markdown)
    return [t for t in targets if not re.match(r"[a-z]+:", t) and not t.startswith("#")]


def test_every_relative_link_of_the_readme_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = relative_links(readme)
    assert "docs/commands.md" in links and "CHANGELOG.md" in links  # the check sees the links
    missing = [link for link in links if not (ROOT / link.split("#")[0]).exists()]
    assert missing == []


def test_the_link_finder_skips_web_links_and_anchors():
    text = "[a](docs/x.md) [b](https://example.org/y.md) [c](#here) ![d](docs/e.png)"
    assert relative_links(text) == ["docs/x.md", "docs/e.png"]


def test_every_docs_page_is_in_the_nav_or_linked():
    # mkdocs builds a page that nothing reaches without complaint; a page nobody reaches is a
    # page nobody reads.  In the site's nav, or linked from the README or the docs' home page.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    home = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    reached = set(re.findall(r":\s*([\w./-]+\.md)\s*$", nav, re.M))
    reached |= {link.split("#")[0].removeprefix("docs/") for link in relative_links(readme)}
    reached |= {link.split("#")[0] for link in relative_links(home)}
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert "commands.md" in reached and sorted(pages - reached - {"index.md"}) == []
