"""One place that turns errors into responses: JSON with a Chinese `detail` for the API,
a page (or the login redirect) for browsers."""

from __future__ import annotations

import logging
from typing import Any

from asyncpg.exceptions import DataError, NumericValueOutOfRangeError, StringDataRightTruncationError
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from hall.errors import DomainError, InvalidInput
from hall.i18n import render_message, translator
from web.pages import is_api, language, login_redirect, render
from web.security import CSRF_REFUSED, CSRFRefused

log = logging.getLogger(__name__)

STATUS_MESSAGES = {
    400: "请求格式不正确",
    401: "请先登录",
    403: "您的角色无权进行此操作",
    404: "没有找到您要的页面或记录",
    405: "不支持该请求方法",
    413: "提交的内容太大",
    415: "不支持该内容类型",
    429: "请求太频繁，请稍后再试",
    500: "服务器内部错误，请稍后再试或联系管理员",
}


def _respond(
    request: Request, status_code: int, detail: str, errors: list[dict[str, Any]] | None = None
) -> Response:
    if is_api(request):
        body: dict[str, Any] = {"status_code": status_code, "detail": detail}
        if errors:
            body["errors"] = errors
        return Response(body, status_code=status_code, media_type=MediaType.JSON)
    return render(request, "error.html", status_code=status_code, message=detail)


def domain_error(request: Request, error: DomainError) -> Response:
    translate = translator(language(request))
    detail = render_message(translate, error.message, error.params)
    errors = None
    if isinstance(error, InvalidInput):
        errors = [
            {
                "field": e.field,
                "label": translate(e.label),
                "message": render_message(translate, e.message, e.params),
            }
            for e in error.errors
        ]
        # The separators are messages too: Chinese punctuation has no place in English.
        detail = translate("；").join(f"{item['label']}{translate('：')}{item['message']}" for item in errors)
    return _respond(request, error.status_code, detail, errors)


def not_authorized(request: Request, error: NotAuthorizedException) -> Response:
    if is_api(request):
        return _respond(request, 401, translator(language(request))(STATUS_MESSAGES[401]))
    return login_redirect(request)


def validation_error(request: Request, error: ValidationException) -> Response:
    """Litestar's own parameter and body checks (our schemas raise InvalidInput instead)."""
    translate = translator(language(request))
    keys = [item.get("key") for item in (error.extra or []) if isinstance(item, dict) and item.get("key")]
    if keys:
        detail = translate("请求参数“{name}”格式不正确").format(name=translate("、").join(keys))
    else:
        detail = translate("请求内容格式不正确，应为有效的 JSON 或表单")
    return _respond(request, 400, detail)


def csrf_refused(request: Request, error: CSRFRefused) -> Response:
    return _respond(request, 403, translator(language(request))(CSRF_REFUSED))


def http_error(request: Request, error: HTTPException) -> Response:
    message = STATUS_MESSAGES.get(error.status_code, STATUS_MESSAGES[400])
    return _respond(request, error.status_code, translator(language(request))(message))


# asyncpg raises DataError itself for an argument its column type cannot hold; of the
# server's data errors (its subclasses) only these are the request's fault, not ours.
REQUEST_DATA_ERRORS = (NumericValueOutOfRangeError, StringDataRightTruncationError)


def out_of_range(request: Request, error: OverflowError | DataError) -> Response:
    """A value the database cannot hold: a number past its integers (SQLite's OverflowError,
    PostgreSQL's DataError), a date past year 9999. The request was wrong, not the server."""
    if (
        type(error) is not DataError
        and isinstance(error, DataError)
        and not isinstance(error, REQUEST_DATA_ERRORS)
    ):
        return server_error(request, error)  # division by zero and its like: a defect of ours
    log.info("value out of range on %s %s: %s", request.method, request.url.path, error)
    return _respond(request, 400, translator(language(request))("请求中的数值超出允许范围"))


def server_error(request: Request, error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    message = STATUS_MESSAGES[HTTP_500_INTERNAL_SERVER_ERROR]
    return _respond(request, 500, translator(language(request))(message))


EXCEPTION_HANDLERS = {
    DomainError: domain_error,
    NotAuthorizedException: not_authorized,
    ValidationException: validation_error,
    CSRFRefused: csrf_refused,
    HTTPException: http_error,
    OverflowError: out_of_range,
    DataError: out_of_range,
    Exception: server_error,
}
