"""The operations tools' examples in the README are commands `kefu` accepts."""

from __future__ import annotations

import shlex

from shared.cli import _parser
from tests.unit.deploy.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_examples_parse() -> None:
    section = README.split("## Operations tools\n", 1)[1].split("\n## ", 1)[0]
    examples = [
        line.split("#")[0].strip() for line in section.splitlines() if line.startswith("kefu ")
    ]
    assert len(examples) >= 6
    commands = set()
    for example in examples:
        args = _parser().parse_args(shlex.split(example)[1:])
        commands.add(args.command)
    assert commands == {"dlq", "saga", "replay"}
