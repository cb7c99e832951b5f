"""The fenced examples of README.md, with the directives that tell the docs test how to run them.

A directive is an HTML comment on the line before a fence (invisible on GitHub):
``<!-- docs-test: skip — why -->``, ``<!-- docs-test: as=customer -->`` (a GraphQL example sent
with the token the README's ``customerLogin`` example returned), ``<!-- docs-test: serve — … -->``
(a shell example whose last line starts a server: run in the background until it answers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^```(\w*)[^\n]*$")
DIRECTIVE = re.compile(r"^<!--\s*docs-test:\s*(?P<body>.*?)\s*-->$")
RUNNABLE = {"graphql": "graphql", "sh": "sh", "shell": "sh", "bash": "sh", "console": "sh"}


@dataclass(frozen=True)
class Example:
    kind: str  # "graphql" | "sh"
    line: int  # of the opening fence, 1-based
    code: str
    directive: str = ""

    @property
    def skip_reason(self) -> str | None:
        if self.directive.startswith("skip"):
            return self.directive.removeprefix("skip").strip(" —-:") or "skipped"
        return None

    @property
    def run_as(self) -> str:
        found = re.search(r"\bas=(\w+)", self.directive)
        return found.group(1) if found else "admin"

    @property
    def serves(self) -> bool:
        return self.directive.startswith("serve")

    @property
    def id(self) -> str:
        return f"L{self.line}-{self.kind}"


def readme_examples(path: Path = README) -> list[Example]:
    """Every fenced GraphQL or shell block, in the order a reader meets them."""
    lines = path.read_text(encoding="utf-8").splitlines()
    examples: list[Example] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        language = opening.group(1).lower()
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        previous = lines[index - 1].strip() if index > 0 else ""
        directive = DIRECTIVE.match(previous)
        if language in RUNNABLE:
            examples.append(
                Example(
                    kind=RUNNABLE[language],
                    line=index + 1,
                    code="\n".join(lines[index + 1 : end]) + "\n",
                    directive=directive.group("body") if directive else "",
                )
            )
        index = end + 1
    return examples
