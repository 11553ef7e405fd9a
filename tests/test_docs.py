"""docs/cli.md is generated from --help: it must be current and complete."""

from __future__ import annotations

import click

from teikit.cli import cli, reference_markdown

from conftest import ROOT


def all_commands(group: click.Group, prefix: str = "teikit") -> list[tuple[str, click.Command]]:
    found = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found += all_commands(command, f"{prefix} {name}")
    return found


def test_every_command_is_documented_with_an_example():
    for name, command in all_commands(cli):
        assert command.help and command.help.strip(), f"{name} has no help text"
        if not isinstance(command, click.Group):
            assert "Example:" in command.help, f"{name}: help text needs an Example: block"


def test_cli_reference_is_current():
    on_disk = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert on_disk == reference_markdown(), "docs/cli.md is stale: run python docs/make_cli_md.py"
    for name, _ in all_commands(cli):
        assert f"## `{name}`" in on_disk, f"{name} missing from docs/cli.md"
