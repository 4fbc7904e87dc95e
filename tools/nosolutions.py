"""The website without exercise solutions, for a class that grades the exercises.

Two commands, used by ``make book-nosolutions`` and ``make check-nosolutions``::

    python tools/nosolutions.py config OUT.yml
        Write a copy of ``_config.yml`` that hides every ``{solution}`` block
        (sphinx-exercise's ``hide_solutions``) and removes the ways a page leads back
        to its source notebook, which holds the solutions: the copied sources
        (``_sources/``), the download button, the "edit this page" button and the launch
        buttons. ``_config.yml`` itself is never edited, so the two sites cannot drift.

    python tools/nosolutions.py check WITH_DIR WITHOUT_DIR
        Compare the HTML of the normal site (WITH_DIR) with the solution-free one
        (WITHOUT_DIR). Fail unless the normal site has solutions, the other has the same
        exercises but no solution element and no link to a source notebook, and no
        distinctive sentence of any solution appears in any file of the solution-free site.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
BLOCK = {
    "p",
    "div",
    "pre",
    "li",
    "ul",
    "ol",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "tr",
    "td",
    "th",
    "section",
    "blockquote",
    "dt",
    "dd",
    "figure",
}
MIN_FRAGMENT = 24  # characters: shorter lines ("Solution to Exercise 2") are not distinctive


def nosolutions_config(config: dict, root: Path = ROOT) -> dict:
    """Return a copy of a Jupyter Book configuration that builds a site without solutions."""
    cfg = copy.deepcopy(config)
    sphinx = cfg.setdefault("sphinx", {}) or {}
    cfg["sphinx"] = sphinx
    conf = sphinx.setdefault("config", {}) or {}
    sphinx["config"] = conf
    conf["hide_solutions"] = True
    conf["html_copy_source"] = False
    conf["html_show_sourcelink"] = False
    theme = conf.setdefault("html_theme_options", {}) or {}
    conf["html_theme_options"] = theme
    theme["use_download_button"] = False
    html = cfg.setdefault("html", {}) or {}
    cfg["html"] = html
    html["use_edit_page_button"] = False
    launch = cfg.setdefault("launch_buttons", {}) or {}
    cfg["launch_buttons"] = launch
    launch.update(binderhub_url="", colab_url="", jupyterhub_url="", thebe=False)
    # Paths of local extensions are relative to the config file: make them absolute,
    # since the copy lives elsewhere.
    local = sphinx.get("local_extensions") or {}
    sphinx["local_extensions"] = {k: str((root / v).resolve()) for k, v in local.items()} or None
    if sphinx["local_extensions"] is None:
        del sphinx["local_extensions"]
    return cfg


class _PageText(HTMLParser):
    """Text of a page, the texts of its solution elements, and class counts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # open tags: (name, is_solution)
        self.skip = 0  # depth inside <script>/<style>
        self.solutions = []  # one list of text pieces per solution element
        self.outside = []  # text outside every solution element
        self.counts = defaultdict(int)  # admonition class -> number of elements

    def _inside_solution(self):
        return any(sol for _, sol in self.stack)

    def _break(self, tag):
        """End the current line of a solution's text at the edges of block elements."""
        if tag in BLOCK and self._inside_solution():
            self.solutions[-1].append("\n")

    def handle_starttag(self, tag, attrs):
        self._break(tag)
        if tag in VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        is_solution = "solution" in classes and not self._inside_solution()
        for name in ("exercise", "solution"):
            if name in classes:
                self.counts[name] += 1
        if is_solution:
            self.solutions.append([])
        if tag in ("script", "style"):
            self.skip += 1
        self.stack.append((tag, is_solution))

    def handle_endtag(self, tag):
        self._break(tag)
        if tag in VOID:
            return
        while self.stack:
            name, _ = self.stack.pop()
            if name in ("script", "style"):
                self.skip -= 1
            if name == tag:
                break

    def handle_data(self, data):
        if self.skip:
            return
        if self._inside_solution():
            self.solutions[-1].append(data)
        else:
            self.outside.append(data)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def parse_page(html: str) -> _PageText:
    parser = _PageText()
    parser.feed(html)
    parser.close()
    return parser


def distinctive_fragments(pages: list[_PageText]) -> list[str]:
    """Lines of the pages' solutions that are long enough and appear nowhere else in the
    site (an import line shared with other cells is not evidence of a leak)."""
    outside = " ".join(_normalise(" ".join(page.outside)) for page in pages)
    fragments = []
    for page in pages:
        for pieces in page.solutions:
            text = "".join(pieces)
            for line in re.split(r"\n|(?<=[.!?:;])\s+", text):  # lines and sentences
                line = _normalise(line)
                if len(line) >= MIN_FRAGMENT and line not in outside and line not in fragments:
                    fragments.append(line)
    return fragments


def site_text(site: Path) -> dict[str, str]:
    """Normalised text of every file of a built site: page text for HTML, raw text else."""
    texts = {}
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        try:
            raw = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # images, fonts
        if path.suffix == ".html":
            page = parse_page(raw)
            raw = " ".join(page.outside + [t for s in page.solutions for t in s])
        texts[str(path.relative_to(site))] = _normalise(raw)
    return texts


def check(with_dir: Path, without_dir: Path) -> list[str]:
    """Return the problems found (an empty list means the solution-free site is clean)."""
    for d in (with_dir, without_dir):
        if not (d / "index.html").is_file():
            return [f"no built site in {d}: build both sites first"]
    problems, counts = [], defaultdict(int)
    pages = {}
    for page_path in sorted(with_dir.rglob("*.html")):
        rel = str(page_path.relative_to(with_dir))
        pages[rel] = page = parse_page(page_path.read_text(encoding="utf-8"))
        for name, n in page.counts.items():
            counts[name, rel] += n
        other = without_dir / rel
        if page.counts["solution"] and not other.is_file():
            problems.append(f"{rel} has solutions but no page in the solution-free site")
        elif other.is_file():
            other_html = other.read_text(encoding="utf-8")
            other_page = parse_page(other_html)
            for link in sorted(set(re.findall(r'href="([^"]*\.ipynb[^"]*)"', other_html))):
                problems.append(
                    f"{rel} links to a source notebook, which holds the solutions: {link}"
                )
            if other_page.counts["solution"]:
                problems.append(
                    f"{rel}: {other_page.counts['solution']} solution element(s) "
                    "in the solution-free site"
                )
            if other_page.counts["exercise"] != page.counts["exercise"]:
                problems.append(
                    f"{rel}: {page.counts['exercise']} exercise element(s) in the "
                    f"normal site but {other_page.counts['exercise']} without "
                    "solutions"
                )
    fragments = {}  # distinctive sentence -> the page of its solution
    for fragment in distinctive_fragments(list(pages.values())):
        fragments[fragment] = next(
            rel for rel, page in pages.items() if fragment in distinctive_fragments([page])
        )
    n_solutions = sum(n for (name, _), n in counts.items() if name == "solution")
    if n_solutions == 0 or not fragments:
        problems.append(
            f"the normal site {with_dir} shows no solution text: nothing proves "
            "that the solution-free build removes it"
        )
    for rel, text in site_text(without_dir).items():
        for fragment, source in fragments.items():
            if fragment in text:
                problems.append(
                    f"{rel} contains a solution sentence from {source}: {fragment[:80]!r}"
                )
    if not problems:
        print(
            f"solution-free site OK: {n_solutions} solutions in {with_dir}, none of their "
            f"{len(fragments)} distinctive sentences in any file of {without_dir}"
        )
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_config = sub.add_parser("config", help="write the solution-free configuration")
    p_config.add_argument("out", type=Path)
    p_config.add_argument("--config", type=Path, default=ROOT / "_config.yml")
    p_check = sub.add_parser("check", help="compare the two built sites")
    p_check.add_argument("with_dir", type=Path)
    p_check.add_argument("without_dir", type=Path)
    args = parser.parse_args(argv)
    if args.command == "config":
        config = yaml.safe_load(args.config.read_text(encoding="utf-8"))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            yaml.safe_dump(nosolutions_config(config), sort_keys=False), encoding="utf-8"
        )
        return 0
    problems = check(args.with_dir, args.without_dir)
    for line in problems:
        print("ERROR:", line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
