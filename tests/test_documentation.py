"""The documents a user reads stay current with the code: every setting is in .env.example
and named in the README or docs/, and every `newsbot` command is in the README."""

from __future__ import annotations

import re

import typer

from tests.conftest import REPO


def _settings() -> list[str]:
    from index.settings import Settings, env_name

    return [env_name(field) for field in Settings.model_fields]


def _docs_text() -> str:
    return "\n".join(p.read_text() for p in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))])


def _commands() -> list[str]:
    from bot.cli import app

    def walk(group, prefix: str) -> list[str]:
        names = []
        for name, command in sorted(group.commands.items()):
            if command.hidden:
                continue
            names.append(f"{prefix} {name}")
            if hasattr(command, "commands"):  # a group (typer vendors its own click)
                names += walk(command, f"{prefix} {name}")
        return names

    return walk(typer.main.get_command(app), "newsbot")


def test_every_setting_is_in_env_example():
    example = (REPO / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.M))
    assert [name for name in _settings() if name not in listed] == []


def test_every_setting_is_named_in_the_readme_or_docs():
    text = _docs_text()
    assert [name for name in _settings() if not re.search(rf"\b{name}\b", text)] == []


def test_every_command_is_in_the_readme():
    readme = (REPO / "README.md").read_text()
    commands = _commands()
    assert "newsbot ask" in commands and "newsbot models pull" in commands
    assert [c for c in commands if c not in readme] == []
