"""The English catalog covers the product's Chinese UI text, and the language switch works.

Chinese is the source language: every user-facing string is written in Chinese in the code
and is its own msgid. These tests find those strings the way a translator would (Python
string constants that are not docstrings; string literals inside Jinja code) and check that
`hall/locales/en/LC_MESSAGES/messages.po` translates each of them; that templates show no
Chinese text except through `_()`; and, end to end, that the `lang` cookie turns pages and
API errors into English.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

from jinja2 import Environment
from litestar.testing import AsyncTestClient

from hall.i18n import catalog
from hall.roles import Role
from tests.conftest import World

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "web" / "templates"
# Han ideographs, CJK symbols and punctuation (、。《》…), full-width forms (（），：；！？).
CJK = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
# Demo data (names of people and halls) and the operator's console output are not UI text.
NOT_UI = {
    "hall/demo.py",
    "hall/manage.py",
    "attendance/demo.py",
    "complaints/demo.py",
    "assessment/demo.py",
    # The documents filed and posted (月度考勤汇总) are official Chinese papers, in whatever
    # language the clerk reads the pages; so is the command line that makes them.
    "hall/documents_cli.py",
    "hall/spreadsheets.py",
    *(
        f"attendance/export/{name}.py"
        for name in ("__init__", "__main__", "content", "pdf", "reading", "spreadsheet")
    ),
}
DOMAINS = ("hall", "web", "attendance", "assessment", "complaints", "devices")
CONSOLE_CALLS = {"_announce"}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                found.add(id(first.value))
    return found


def _console_output(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CONSOLE_CALLS:
            found.update(id(inner) for inner in ast.walk(node))
    return found


def python_ui_strings() -> dict[str, list[str]]:
    """Chinese string constants in the packages' modules -> where they occur."""
    found: dict[str, list[str]] = {}
    for path in sorted(path for domain in DOMAINS for path in ROOT.glob(f"{domain}/**/*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in NOT_UI:
            continue
        tree = ast.parse(path.read_text("utf-8"), filename=relative)
        skip = _docstrings(tree) | _console_output(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in skip
                and CJK.search(node.value)
            ):
                found.setdefault(node.value, []).append(f"{relative}:{node.lineno}")
    return found


def _template_tokens() -> list[tuple[str, int, str, str]]:
    """(template, line, Jinja token type, value) for every template."""
    environment = Environment()
    tokens = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        relative = path.relative_to(ROOT).as_posix()
        for line, kind, value in environment.lex(path.read_text("utf-8")):
            tokens.append((relative, line, kind, value))
    return tokens


def template_ui_strings() -> dict[str, list[str]]:
    """Chinese string literals inside {{ ... }} / {% ... %} -> where they occur."""
    found: dict[str, list[str]] = {}
    for relative, line, kind, value in _template_tokens():
        if kind == "string":
            text = ast.literal_eval(value)
            if CJK.search(text):
                found.setdefault(text, []).append(f"{relative}:{line}")
    return found


def _untranslated(strings: dict[str, list[str]]) -> list[str]:
    english = catalog("en")
    return [
        f"{', '.join(places[:3])}: {text!r}"
        for text, places in sorted(strings.items(), key=lambda item: item[1][0])
        if not english.get(text, "").strip()
    ]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_scan_finds_the_ui_strings() -> None:
    # Guards the scanners themselves: an empty scan would make the checks below pass vacuously.
    python = python_ui_strings()
    templates = template_ui_strings()
    assert "没有找到编号为 {id} 的中心" in python
    assert "必须填写" in python
    assert "大厅主任" in python
    assert "登录" in templates
    assert "用户名" in templates  # a label passed to a form macro
    assert "镇民政办" not in python, "hall/demo.py holds data, not UI text"
    assert "演示数据已载入" not in python, "hall/manage.py prints to the console"
    assert "此密码只显示这一次 / shown only this once" not in python, "_announce() is console output"


def test_every_python_ui_string_has_an_english_translation() -> None:
    missing = _untranslated(python_ui_strings())
    assert not missing, f"{len(missing)} Chinese strings have no English msgstr:\n" + "\n".join(missing)


def test_every_template_string_has_an_english_translation() -> None:
    missing = _untranslated(template_ui_strings())
    assert not missing, f"{len(missing)} template strings have no English msgstr:\n" + "\n".join(missing)


def test_templates_show_no_chinese_text_outside_translation() -> None:
    """Text outside Jinja code is shown as is in every language, so it must hold no Chinese
    (not even full-width punctuation): all visible wording goes through `_()`."""
    found = []
    for relative, line, kind, value in _template_tokens():
        if kind != "data":
            continue
        for offset, text in enumerate(value.split("\n")):
            if CJK.search(text):
                found.append(f"{relative}:{line + offset}: {text.strip()!r}")
    assert not found, "Chinese text outside _() in templates:\n" + "\n".join(found)


def test_every_translation_keeps_the_placeholders() -> None:
    wrong = [
        f"{msgid!r}: {sorted(_placeholders(msgid))} -> {msgstr!r}: {sorted(_placeholders(msgstr))}"
        for msgid, msgstr in catalog("en").items()
        if _placeholders(msgid) != _placeholders(msgstr)
    ]
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_translations_are_english() -> None:
    # A msgstr with Chinese in it was copied rather than translated (the catalog may keep
    # typographic quotes “” but no CJK characters or full-width punctuation).
    chinese = [f"{msgid!r} -> {msgstr!r}" for msgid, msgstr in catalog("en").items() if CJK.search(msgstr)]
    assert not chinese, "untranslated msgstrs:\n" + "\n".join(chinese)


async def test_chinese_is_the_default(client: AsyncTestClient) -> None:
    response = await client.get("/login")
    assert response.status_code == 200
    assert "<title>登录" in response.text
    assert "用户名" in response.text


async def test_switching_to_english(client: AsyncTestClient) -> None:
    english = catalog("en")
    switched = await client.get("/lang/en", params={"next": "/login"}, follow_redirects=False)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/login"
    assert switched.cookies.get("lang") == "en"

    client.cookies.clear()
    response = await client.get("/login", headers={"Cookie": "lang=en"})
    assert response.status_code == 200
    assert f"<title>{english['登录']}" in response.text
    assert english["用户名"] in response.text
    assert "用户名" not in response.text
    assert '<html lang="en">' in response.text
    # The only Chinese left is the name of the language in the language switch.
    leftovers = CJK.findall(response.text.replace("中文", ""))
    assert not leftovers, f"Chinese left on the English login page: {''.join(leftovers)!r}"


async def test_an_unknown_language_is_ignored(client: AsyncTestClient) -> None:
    switched = await client.get("/lang/xx", params={"next": "/login"}, follow_redirects=False)
    assert switched.status_code == 303
    assert "lang" not in switched.cookies
    client.cookies.clear()
    response = await client.get("/login", headers={"Cookie": "lang=xx"})
    assert "<title>登录" in response.text


async def test_api_errors_in_english(client: AsyncTestClient, world: World) -> None:
    response = await client.get("/api/halls/987654", headers={**world.auth(Role.ADMIN), "Cookie": "lang=en"})
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert detail == catalog("en")["没有找到编号为 {id} 的中心"].format(id=987654)
    assert not CJK.search(detail)
    assert "987654" in detail

    chinese = await client.get("/api/halls/987654", headers=world.auth(Role.ADMIN))
    assert chinese.json()["detail"] == "没有找到编号为 987654 的中心"
