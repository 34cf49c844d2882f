"""The README stays true to the spec and to the entry point it advertises."""
from __future__ import annotations

import re
from pathlib import Path

from b24conform.contract import load_contract

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_opens_with_the_two_commands():
    first_block = re.search(r"```sh\n(.*?)```", README.read_text(), re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["python3 dev.py conform", "python3 dev.py test"]


def test_readme_states_the_portal_choice_for_every_ambiguity():
    text = README.read_text()
    rows = set(re.findall(r"^\| (AMB-[A-Z0-9-]+) \|", text, re.M))
    assert rows == set(load_contract().ambiguities)
