"""Jinja set-up: the filters the templates share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litestar.plugins.jinja import JinjaTemplateEngine


def options(items: Iterable[Any], value: str, label: str) -> list[tuple[Any, str]]:
    """(value, label) pairs for a <select>, from objects: `halls|options("id", "name")`."""
    return [(getattr(item, value), getattr(item, label)) for item in items]


def configure(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters["options"] = options
