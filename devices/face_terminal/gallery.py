"""The hall's gallery of known faces: downloaded from the server when it has changed, cached
on disk so that recognition works offline."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx

from attendance import face_match, faces
from devices.face_terminal.console import _announce
from devices.face_terminal.outbox import utc_now
from devices.face_terminal.server import DEVICE_REFUSED, ServerApi

ENCODING_BYTES = 128 * faces.ENCODING_DTYPE.itemsize


@dataclass(frozen=True)
class Person:
    staff_id: int
    name: str
    staff_number: str


@dataclass(frozen=True)
class KnownFaces:
    """A hall's gallery as the server sent it, ready to match against."""

    version: str
    hall_id: int
    tolerance: float
    margin: float
    repeat_seconds: int
    people: dict[int, Person]
    gallery: face_match.Gallery

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KnownFaces:
        people: dict[int, Person] = {}
        entries: list[tuple[int, bytes]] = []
        for person in data["people"]:
            staff_id = int(person["staff_id"])
            people[staff_id] = Person(staff_id, person["name"], person["staff_number"])
            for text in person["encodings"]:
                encoding = base64.b64decode(text)
                if len(encoding) == ENCODING_BYTES:
                    entries.append((staff_id, encoding))
        return cls(
            version=str(data["version"]),
            hall_id=int(data["hall_id"]),
            tolerance=float(data["tolerance"]),
            margin=float(data["margin"]),
            repeat_seconds=int(data["repeat_seconds"]),
            people=people,
            gallery=face_match.Gallery(entries),
        )


class GalleryCache:
    """The last gallery downloaded, with the server it came from, in a JSON file."""

    def __init__(self, path: Path, *, server: str) -> None:
        self.path = path
        self.server = server

    def load(self) -> dict[str, Any] | None:
        try:
            saved = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(saved, dict) or saved.get("server") != self.server:
            return None  # another server's staff ids mean nothing to this one
        return saved.get("gallery")

    def save(self, gallery: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial")
        with partial.open("w", encoding="utf-8") as file:
            json.dump(
                {"server": self.server, "saved_at": utc_now(), "gallery": gallery}, file, ensure_ascii=False
            )
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, self.path)


class Sync(StrEnum):
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    UNREACHABLE = "unreachable"
    DEVICE_REFUSED = "device_refused"


class GallerySync:
    """Keeps the gallery in step with the server, falling back to the cached copy."""

    def __init__(self, api: ServerApi, cache: GalleryCache) -> None:
        self.api = api
        self.cache = cache
        self.known: KnownFaces | None = None
        self._state: Sync | None = None

    def load_cached(self) -> KnownFaces | None:
        data = self.cache.load()
        if data is not None:
            try:
                self.known = KnownFaces.from_json(data)
            except (KeyError, TypeError, ValueError):
                _announce("本机缓存的人脸库已损坏，将重新下载")
        return self.known

    def sync(self) -> Sync:
        try:
            response = self.api.gallery(self.known.version if self.known else None)
        except httpx.HTTPError:
            return self._report(Sync.UNREACHABLE)
        if response.status_code == 304 and self.known is not None:
            return self._report(Sync.UNCHANGED)
        if response.status_code in DEVICE_REFUSED:
            return self._report(Sync.DEVICE_REFUSED)
        if response.status_code != 200:
            return self._report(Sync.UNREACHABLE)
        try:
            data = response.json()
            known = KnownFaces.from_json(data)
        except (KeyError, TypeError, ValueError):
            return self._report(Sync.UNREACHABLE)
        self.cache.save(data)
        self.known = known
        return self._report(Sync.UPDATED)

    def _report(self, result: Sync) -> Sync:
        """Tell the operator what changed: a new gallery, a lost or regained server."""
        known, before = self.known, self._state
        self._state = result
        if result is Sync.UPDATED:
            _announce(
                f"人脸库已更新：{len(known.people)} 人，"
                f"{len(known.gallery)} 个人脸特征（版本 {known.version}）"
            )
        elif result is before or (result is Sync.UNCHANGED and before is Sync.UPDATED):
            pass  # nothing new to say
        elif result is Sync.UNCHANGED:
            _announce(f"人脸库已是最新：{len(known.people)} 人（版本 {known.version}）")
        elif result is Sync.DEVICE_REFUSED:
            _announce(
                "服务器拒绝了本终端的密钥（设备可能已停用或密钥已更换），"
                + ("继续使用本机缓存的人脸库" if known else "本机没有人脸库，无法识别")
            )
        elif known is not None:
            _announce(
                f"无法连接服务器，继续使用本机缓存的人脸库（{len(known.people)} 人，版本 {known.version}）"
            )
        else:
            _announce("无法连接服务器，本机也没有人脸库，暂时无法识别")
        return result
