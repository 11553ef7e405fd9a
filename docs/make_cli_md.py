"""Regenerate docs/cli.md from the commands' --help texts."""

from pathlib import Path

from teikit.cli import reference_markdown

if __name__ == "__main__":
    target = Path(__file__).with_name("cli.md")
    target.write_text(reference_markdown(), encoding="utf-8")
    print(f"wrote {target}")
