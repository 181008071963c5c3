"""The README's first steps, pasted into bash against a demo'd stack: the sign-in works
with the generated password file under KEFU_HOME and with KEFU_DEMO_PASSWORD, every
example marked ``<!-- demo-example: VAR -->`` (README and docs/gateway-routes.md)
answers 200 with something in it, and `kefu demo` prints the README's five."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from shared.devstack.stack import Stack
from shared.devstack.up import try_it
from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.demoed import Demoed, demoed

pytestmark = pytest.mark.e2e
__all__ = ["demoed"]
ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "README.md", ROOT / "docs" / "gateway-routes.md")
_MARK = re.compile(r"<!-- demo-example: (\w+) -->\s*\n\s*```sh\n(.*?)\n\s*```", re.S)
_CURL = re.compile(r'curl -s -H "\$(\w+)" "?(?:\$G|http://[^/"\s]+)(/[^"\s]+)"?')


def sign_in_block() -> str:
    """The README's sign-in, as printed (indented in its list)."""
    text = DOCS[0].read_text(encoding="utf-8")
    found = re.search(r"```sh\n(\s*G=http.*?AUTH=\$\(login agent\).*?)\n\s*```", text, re.S)
    assert found, "the README's first steps have no sign-in block"
    return "\n".join(line.strip() for line in found.group(1).splitlines())


def marked_examples() -> list[tuple[str, str, str]]:
    """(file, header variable, path) of every marked example."""
    found = []
    for doc in DOCS:
        for var, block in _MARK.findall(doc.read_text(encoding="utf-8")):
            for line in block.splitlines():
                if line.strip().startswith("curl"):
                    match = _CURL.search(line)
                    assert match and match.group(1) == var, (doc.name, line)
                    found.append((doc.name, var, match.group(2)))
    return found


def _bash(script: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_readme_marks_its_five_things_to_try() -> None:
    examples = marked_examples()
    assert sum(doc == "README.md" for doc, *_ in examples) == 5, examples


def test_every_marked_example_answers_on_a_demoed_stack(
    demoed: Demoed, stack: Stack, tmp_path: Path
) -> None:
    examples = marked_examples()
    port = str(stack.settings.gateway_port)
    script = sign_in_block() + "\n"
    for _, var, path in examples:  # as written, plus the status after the body
        script += f'curl -s -H "${var}" "$G{path}" -w "\\n%{{http_code}}\\n"\n'
    # the generated password, read from KEFU_HOME as the README does
    (tmp_path / "demo_password").write_text(DEMO_PASSWORD + "\n")
    from_file = _bash(script, {"KEFU_GATEWAY_PORT": port, "KEFU_HOME": str(tmp_path)})
    lines = from_file.splitlines()
    answers = list(zip(lines[0::2], lines[1::2], strict=True))
    assert len(answers) == len(examples), from_file
    for (doc, var, path), (body, status) in zip(examples, answers, strict=True):
        assert status == "200", (doc, var, path, body)
        answer = json.loads(body)
        items = answer.get("items", answer) if isinstance(answer, dict) else answer
        assert items, (doc, var, path, answer)
    # the same sign-in with the password in KEFU_DEMO_PASSWORD instead
    env = {"KEFU_GATEWAY_PORT": port, "KEFU_HOME": str(tmp_path / "none")}
    script = sign_in_block() + '\necho "$AUTH"\n'
    with_variable = _bash(script, env | {"KEFU_DEMO_PASSWORD": DEMO_PASSWORD})
    assert with_variable.startswith("Authorization: Bearer ey"), with_variable


def test_kefu_demo_prints_the_readmes_five_things(demoed: Demoed) -> None:
    printed = [(m.group(1), m.group(2)) for m in _CURL.finditer(demoed.output)]
    readme = [(var, path) for doc, var, path in marked_examples() if doc == "README.md"]
    assert printed == readme, demoed.output


def test_the_banners_try_it_pastes_into_bash(demoed: Demoed, stack: Stack) -> None:
    lines = try_it(stack)
    assert "$KEFU_DEMO_PASSWORD" in lines[1]  # this stack's password came from the variable
    script = "\n".join(line.strip() for line in lines if "kefu" not in line.split("#")[0])
    out = _bash(script, {"KEFU_DEMO_PASSWORD": DEMO_PASSWORD})
    assert json.loads(out)["items"], out
