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


def test_every_configuration_key_and_rule_is_documented(tmp_path):
    import re
    import tomllib

    from teikit.edition.config import load_config
    from teikit.rules import CODES, DEFAULTS

    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    keys = {
        "title", "languages", "base_url", "exclude", "files", "particdesc", "key",
        "authority", "editor", "email", "licence", "publisher", "publisher_url", "url",
        "enabled", "ids_unique_across_files", "severity", "profile", "pdf", "sender",
        "addressee",
    }  # fmt: skip
    for key in keys:
        assert f"| `{key}` |" in text, f"configuration key {key} is not documented"
    for table in (
        "[documents]",
        "[registers]",
        "[pointers]",
        "[cmif]",
        "[correspondence]",
        "[rules]",
        "[site]",
    ):
        assert f"## `{table}`" in text, table
    for code in CODES:
        default = DEFAULTS[code][1]
        row = re.search(rf"^\| `{code}` \| (\w+) \|", text, re.M)
        assert row, f"rule {code} is not documented"
        assert row.group(1) == (default.name.lower() if default else "off"), code
    # the example is a working configuration, with every key
    example = text.rsplit("```toml", 1)[1].split("```", 1)[0]
    data = tomllib.loads(example)
    flat = set(data) | {k for v in data.values() if isinstance(v, dict) for k in v}
    assert keys - {"severity"} <= flat
    path = tmp_path / "teikit.toml"
    path.write_text(example, encoding="utf-8")
    assert load_config(path).site_profile == "site-profile.xsl"
