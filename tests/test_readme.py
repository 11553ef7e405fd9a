"""Every code block in README.md runs: the Python blocks as they are, each
`teikit` command of the console blocks through the CLI, the TOML blocks as a
configuration, in a copy of the bundled edition. The sh blocks install teikit
or run its own tests: those commands are named here, so no other command can
slip into them untested."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import tomllib

import pytest
from click.testing import CliRunner

from teikit.cli import cli
from teikit.edition.config import load_config

from conftest import ROOT, TEI

BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
SETUP_COMMANDS = (
    "pip install . && teikit build",
    "pip install '.[test]' && python -m pytest",
    "pip install -e '.[dev]'",
    "python -m pytest",
    "ruff check .",
    "python schema/build.py",
)
DIAGNOSTIC = re.compile(r"^\S+:\d+:\d+: (error|warning|info): .+ \[\w+:[\w-]+\]$")


def blocks() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(text)]


@pytest.fixture
def workdir(tmp_path):
    shutil.copytree(TEI, tmp_path / "tei")
    shutil.copytree(ROOT / "schema", tmp_path / "schema")  # the edition's xml-model
    old = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(old)


def test_every_block_has_a_kind():
    kinds = {kind for kind, _ in blocks()}
    assert kinds <= {"python", "console", "sh", "toml", "text"}, kinds
    assert {"python", "console", "toml"} <= kinds


@pytest.mark.parametrize("number", [n for n, (kind, _) in enumerate(blocks()) if kind == "python"])
def test_python_block_runs(workdir, number):
    _, code = blocks()[number]
    exec(compile(code, f"README.md block {number}", "exec"), {"__name__": "__readme__"})


def test_console_blocks_run(workdir):
    runner = CliRunner()
    commands = [
        line.strip()
        for kind, code in blocks()
        if kind == "console"
        for line in code.splitlines()
        if line.strip()
    ]
    assert commands
    for command in commands:
        args = shlex.split(command)
        assert args[0] == "teikit", command
        result = runner.invoke(cli, args[1:])
        assert result.exit_code == 0, f"{command}: {result.output}"


def test_setup_blocks_name_only_known_commands():
    for kind, code in blocks():
        if kind == "sh":
            for line in code.splitlines():
                command = line.split("#")[0].strip()
                assert command in SETUP_COMMANDS, command


def test_toml_blocks_are_working_configurations(tmp_path):
    for kind, code in blocks():
        if kind == "toml":
            tomllib.loads(code)
            (tmp_path / "teikit.toml").write_text(code, encoding="utf-8")
            load_config(tmp_path / "teikit.toml")


def test_sample_output_is_in_the_diagnostic_form():
    for kind, code in blocks():
        if kind == "text":
            for line in code.splitlines():
                assert DIAGNOSTIC.match(line), line
