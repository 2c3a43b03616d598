"""Domain errors. Each carries a Chinese message template (also the msgid for translation)
and its parameters; `web/errors.py` maps them to HTTP statuses in one place."""

from __future__ import annotations

from dataclasses import dataclass, field


class DomainError(Exception):
    status_code = 422

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    """The request is well-formed but clashes with what is stored (duplicate, overlap)."""

    status_code = 409


class NotAllowed(DomainError):
    """The caller's role is right but this act is not theirs (another hall, another person)."""

    status_code = 403


class AuthenticationFailed(DomainError):
    status_code = 401


@dataclass(frozen=True)
class FieldError:
    field: str
    label: str
    message: str
    params: dict[str, object] = field(default_factory=dict)


class InvalidInput(DomainError):
    """One or more fields are wrong. Deliberately not a ValueError: pydantic would swallow
    a ValueError raised inside validation, and this must reach the HTTP edge intact."""

    status_code = 422

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("提交的内容有误")
        self.errors = errors

    @classmethod
    def single(cls, field: str, label: str, message: str, **params: object) -> InvalidInput:
        return cls([FieldError(field=field, label=label, message=message, params=params)])


def describe(error: DomainError) -> str:
    """The error in one line, for a console or a page that shows no form: an invalid
    input's fields and what is wrong with each."""
    if isinstance(error, InvalidInput):
        return "；".join(f"{item.label}：{item.message.format(**item.params)}" for item in error.errors)
    return str(error)
