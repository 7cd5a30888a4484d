"""README.md is the user guide, and what it tells a user to run or read must exist.

- every `make <target>` it names (in fenced code blocks and inline code) is a target the Makefile defines;
- every relative link resolves to a file, and every `#anchor` to a heading of the linked Markdown file (the
  same checks run over docs/, where the README's long sections live);
- every repository path it names in inline code exists (paths under folders that commands create are skipped);
- it stays a user guide: at most MAX_LINES lines;
- it gives no bare `cdktf` command: cdktf lives in node_modules/.bin, which only the Makefile puts on PATH, so a
  code line that starts with `cdktf ` fails in a user's shell (`npx cdktf ...` or a make target works).

Each check is a function over text, and each has a test on made-up text that shows it can fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
README = PROJECT_ROOT / "README.md"
MAKEFILE = PROJECT_ROOT / "Makefile"
DOCS = PROJECT_ROOT / "docs"
MAX_LINES = 400

# Folders the commands create (and .gitignore lists, or `make hcl` writes): a fresh clone has none of them.
GENERATED_FOLDERS = frozenset(
    {"cdktf.out", "hcl", "state", ".venv", ".tools", "node_modules", ".terraform-plugins", ".chart-cache"}
)

FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`([^`\n]+)`")
MAKE_WORD = re.compile(r"(?<![\w./-])make(?=\s)")
VARIABLE_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
TARGET_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
MAKEFILE_RULE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*(?:[ \t]+[A-Za-z0-9][A-Za-z0-9_.-]*)*)[ \t]*:(?![:=])", re.M)
MARKDOWN_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_ANCHOR = re.compile(r"""<a\s+(?:id|name)=["']([^"']+)["']""")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
REPO_PATH = re.compile(r"^\.?[A-Za-z0-9_][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.-]*)*/?$")
# A span like `nvidia.com/gpu` or `Qwen/Qwen2.5-1.5B-Instruct` is a label or a model, not a path: a span counts as a
# path when it starts at a top-level folder of the repository or names a file of one of these kinds.
FILE_SUFFIXES = frozenset({".py", ".js", ".json", ".yaml", ".yml", ".md", ".txt", ".toml", ".ini", ".tf", ".lock"})


# --- Reading Markdown


def split_markdown(text: str) -> tuple[list[str], list[str]]:
    """(the lines inside fenced code blocks, the lines outside them); fence lines belong to neither."""
    code: list[str] = []
    prose: list[str] = []
    fence: str | None = None
    for line in text.splitlines():
        opened = FENCE.match(line)
        if opened and (fence is None or opened.group(1) == fence):
            fence = None if fence else opened.group(1)
        elif fence:
            code.append(line)
        else:
            prose.append(line)
    return code, prose


def inline_code(text: str) -> list[str]:
    _, prose = split_markdown(text)
    return [span for line in prose for span in INLINE_CODE.findall(line)]


def code_texts(text: str) -> list[str]:
    """Every piece of code in the text: each line of a fenced block and each inline code span."""
    code, _ = split_markdown(text)
    return code + inline_code(text)


# --- (a) make targets


def makefile_targets(makefile_text: str) -> set[str]:
    """The explicit targets of `target [target ...]:` rule lines; variable assignments (`X := y`, `X ::= y`),
    special targets (`.PHONY`) and file targets with a path or a variable (`.venv/.synced`, `$(HELM_BIN)`) are not
    names a user types."""
    targets: set[str] = set()
    for match in MAKEFILE_RULE.finditer(makefile_text):
        targets.update(name for name in match.group(1).split() if not name.startswith("."))
    return targets


def make_targets_named(text: str) -> list[str]:
    """The targets of every `make ...` command in the text's code: the first word after `make` that is neither a
    `VAR=value` assignment nor an option. `make` with no target (the help) names nothing."""
    named: list[str] = []
    for code in code_texts(text):
        for match in MAKE_WORD.finditer(code):
            for word in code[match.end() :].split():
                if VARIABLE_ASSIGNMENT.match(word) or word.startswith("-"):
                    continue
                if TARGET_WORD.match(word):
                    named.append(word)
                break
    return named


def unknown_make_targets(text: str, targets: set[str]) -> list[str]:
    return sorted({name for name in make_targets_named(text) if name not in targets})


# --- (b) links and paths


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped (hyphens and underscores stay), spaces to
    hyphens; links and inline code count by their text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(markdown_text: str) -> set[str]:
    """The anchors a Markdown file offers: its headings (a repeated one gets -1, -2, ...) and `<a id=...>` tags."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    _, prose = split_markdown(markdown_text)
    for line in prose:
        heading = HEADING.match(line)
        if heading:
            base = github_anchor(heading.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
        found.update(HTML_ANCHOR.findall(line))
    return found


def relative_links(markdown_text: str) -> list[str]:
    """The targets of the Markdown links outside code that point into this repository (no scheme, no mailto)."""
    _, prose = split_markdown(markdown_text)
    links = [target for line in prose for target in MARKDOWN_LINK.findall(INLINE_CODE.sub("", line))]
    return [link for link in links if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", link)]


def broken_links(markdown_file: Path, markdown_text: str) -> list[str]:
    """Each relative link of the file whose target file is missing, or whose `#anchor` is not in that file."""
    broken: list[str] = []
    for link in relative_links(markdown_text):
        path_part, _, anchor = link.partition("#")
        if not path_part:  # an anchor of this text itself
            if anchor not in anchors(markdown_text):
                broken.append(f"{link}: no heading with that anchor")
            continue
        target = (markdown_file.parent / path_part).resolve()
        if not target.exists():
            broken.append(f"{link}: no such file")
        elif anchor and target.suffix == ".md" and anchor not in anchors(target.read_text(encoding="utf-8")):
            broken.append(f"{link}: no heading with that anchor")
    return broken


def repository_paths(text: str, root: Path = PROJECT_ROOT) -> list[str]:
    """Inline code spans that are a path into the repository: one word with a slash and no placeholder
    (`<name>`, `{a,b}`, `*`) that starts at a top-level folder of `root` or ends in a file suffix, outside the
    folders commands create."""
    paths: list[str] = []
    for span in inline_code(text):
        if "/" not in span or not REPO_PATH.match(span) or span.startswith(("//", "./")):
            continue
        first = span.split("/", 1)[0]
        if first in GENERATED_FOLDERS:
            continue
        if (root / first).is_dir() or Path(span).suffix in FILE_SUFFIXES:
            paths.append(span)
    return paths


def missing_paths(text: str, root: Path) -> list[str]:
    return sorted({path for path in repository_paths(text, root) if not (root / path).exists()})


# --- (c) length


def length_problem(text: str, limit: int = MAX_LINES) -> str | None:
    lines = len(text.splitlines())
    return f"{lines} lines, more than {limit}: move maintainer material to docs/" if lines > limit else None


# --- (d) cdktf commands


def bare_cdktf_lines(text: str) -> list[str]:
    """Lines of fenced code blocks that start a `cdktf` command without make or npx."""
    code, _ = split_markdown(text)
    return [line for line in code if re.match(r"^\s*(?:\$\s+)?cdktf(?:\s|$)", line)]


# --- The README and the docs


def readme_text() -> str:
    return README.read_text(encoding="utf-8")


def markdown_files() -> Iterator[Path]:
    yield README
    yield from sorted(DOCS.glob("*.md"))


def test_every_make_target_the_readme_names_exists() -> None:
    targets = makefile_targets(MAKEFILE.read_text(encoding="utf-8"))
    named = make_targets_named(readme_text())
    assert named, "the README names no make command: the parser is broken"
    assert unknown_make_targets(readme_text(), targets) == [], f"Makefile targets: {sorted(targets)}"


@pytest.mark.parametrize("path", list(markdown_files()), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_every_make_target_in_the_docs_exists(path: Path) -> None:
    targets = makefile_targets(MAKEFILE.read_text(encoding="utf-8"))
    assert unknown_make_targets(path.read_text(encoding="utf-8"), targets) == []


@pytest.mark.parametrize("path", list(markdown_files()), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_every_relative_link_resolves(path: Path) -> None:
    assert broken_links(path, path.read_text(encoding="utf-8")) == []


def test_the_readme_links_every_document_in_docs() -> None:
    linked = {(README.parent / link.partition("#")[0]).resolve() for link in relative_links(readme_text())}
    assert [p.name for p in sorted(DOCS.glob("*.md")) if p.resolve() not in linked] == []


def test_every_repository_path_the_readme_names_exists() -> None:
    assert repository_paths(readme_text()), "the README names no path: the parser is broken"
    assert missing_paths(readme_text(), PROJECT_ROOT) == []


@pytest.mark.parametrize("path", sorted(DOCS.glob("*.md")), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_every_repository_path_the_docs_name_exists(path: Path) -> None:
    assert missing_paths(path.read_text(encoding="utf-8"), PROJECT_ROOT) == []


def test_the_readme_is_a_user_guide_of_at_most_400_lines() -> None:
    assert length_problem(readme_text()) is None


def test_the_readme_gives_no_bare_cdktf_command() -> None:
    assert bare_cdktf_lines(readme_text()) == []


def test_the_first_screen_says_cdktf_is_archived_its_exits_and_the_cost() -> None:
    first_screen = "\n".join(readme_text().splitlines()[:30])
    for fact in ("archived", "2025-12-10", "`make hcl`", "CDK Terrain", "environments/dev.yaml", "an hour"):
        assert fact in first_screen, fact


def test_the_user_part_names_no_internal_history() -> None:
    words = re.compile(r"\b(?:the seed|wave \d|issue \d+)\b", re.I)
    assert [line for line in readme_text().splitlines() if words.search(line)] == []


# --- Each check can fail


MADE_UP_MAKEFILE = """\
SHELL := /bin/bash
PYTHON ?= python3
export PATH := x
.PHONY: synth deploy
synth deploy: install
\tcdktf synth
install: .venv/.synced
.venv/.synced: Pipfile.lock
$(HELM_BIN): tools/helm-wheel.txt
unlock:
\t@echo a: b
"""


def test_makefile_targets_are_the_rule_names_only() -> None:
    assert makefile_targets(MADE_UP_MAKEFILE) == {"synth", "deploy", "install", "unlock"}


def test_an_unknown_make_target_is_reported() -> None:
    text = (
        "Run `make synth`, then `make nosuchtarget ENV=dev`.\n"
        "```sh\n"
        "ENVIRONMENTS=examples make deploy ENV=dev && make review-all ENV=dev   # make synth first\n"
        "make ENV=dev unlock LOCK_ID=1\n"
        "```\n"
        "Prose that says make sure is not code.\n"
    )
    targets = makefile_targets(MADE_UP_MAKEFILE)
    assert make_targets_named(text) == ["deploy", "review-all", "synth", "unlock", "synth", "nosuchtarget"]
    assert unknown_make_targets(text, targets) == ["nosuchtarget", "review-all"]


def test_a_missing_file_or_heading_is_reported(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n\n## The `make hcl` exit (plain Terraform)\n")
    readme = tmp_path / "README.md"
    text = (
        "## Quick start\n"
        "[guide](docs/guide.md), [exit](docs/guide.md#the-make-hcl-exit-plain-terraform), [top](#quick-start),\n"
        "[site](https://example.com/x.md), [gone](docs/nothing.md), [wrong](docs/guide.md#no-such-heading),\n"
        "[here](#nowhere), `[not a link](in-code.md)`\n"
        "```\n[in a block](block.md)\n```\n"
    )
    readme.write_text(text)
    assert broken_links(readme, text) == [
        "docs/nothing.md: no such file",
        "docs/guide.md#no-such-heading: no heading with that anchor",
        "#nowhere: no heading with that anchor",
    ]


def test_anchors_follow_github() -> None:
    text = '# Upgrade path: CDK Terrain\n## Versions (one place each)\n## Notes\n## Notes\n<a id="adopt-table"></a>\n'
    assert anchors(text) == {
        "upgrade-path-cdk-terrain",
        "versions-one-place-each",
        "notes",
        "notes-1",
        "adopt-table",
    }
    assert github_anchor("Secrets from the cloud's secret manager") == "secrets-from-the-clouds-secret-manager"
    assert github_anchor("dot-kubernetes `Cluster` manifests") == "dot-kubernetes-cluster-manifests"


def test_a_missing_repository_path_is_reported(tmp_path: Path) -> None:
    (tmp_path / "catalogue").mkdir()
    (tmp_path / "catalogue" / "charts.py").write_text("")
    text = (
        "`catalogue/charts.py`, `catalogue/`, `config/footprints.py`, `cdktf.out/stacks/dev-apps/cdk.tf.json`,\n"
        "`apps/<app>/__init__.py`, `examples/{a,b}.yaml`, `make synth`, `--dns-endpoint`, `a / b`,\n"
        "`nvidia.com/gpu`, `Qwen/Qwen2.5-1.5B-Instruct`, `roles/container.developer`\n"
    )
    assert repository_paths(text, tmp_path) == ["catalogue/charts.py", "catalogue/", "config/footprints.py"]
    assert missing_paths(text, tmp_path) == ["config/footprints.py"]


def test_a_guide_over_the_limit_is_reported() -> None:
    assert length_problem("line\n" * MAX_LINES) is None
    assert (
        length_problem("line\n" * (MAX_LINES + 1))
        == f"{MAX_LINES + 1} lines, more than {MAX_LINES}: move maintainer material to docs/"
    )


def test_a_bare_cdktf_command_is_reported() -> None:
    text = (
        "Prose about `cdktf deploy` that make runs.\n"
        "```sh\n"
        "make deploy ENV=dev\n"
        "npx cdktf diff dev-cluster\n"
        "cdktf deploy dev-cluster     # not on PATH\n"
        "$ cdktf synth\n"
        "```\n"
    )
    assert bare_cdktf_lines(text) == ["cdktf deploy dev-cluster     # not on PATH", "$ cdktf synth"]
