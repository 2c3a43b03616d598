"""Translations. Simplified Chinese is the product's source language: every message is
written in Chinese and that text is its msgid; `locales/<lang>/LC_MESSAGES/messages.po`
gives the other languages (English today). Read with Babel at start, no compile step."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

DEFAULT_LANGUAGE = "zh"
LANGUAGES = {"zh": "中文", "en": "English"}
LOCALES_DIR = Path(__file__).parent / "locales"

Translate = Callable[[str], str]


@cache
def catalog(language: str) -> dict[str, str]:
    if language == DEFAULT_LANGUAGE:
        return {}
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {
            message.id: message.string
            for message in read_po(po)
            if message.id and isinstance(message.id, str) and message.string
        }


def translator(language: str) -> Translate:
    table = catalog(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    return lambda text: table.get(text, text)


def render_message(translate: Translate, message: str, params: dict[str, object]) -> str:
    return translate(message).format(**params)
