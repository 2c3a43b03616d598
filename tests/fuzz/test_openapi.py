"""Every operation of the app's OpenAPI document, fed generated requests, valid and invalid:
never a 5xx, and every 4xx with a Chinese message (see conftest.check_answer)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.generation import GenerationMode
from schemathesis.schemas import APIOperation, BaseSchema

from hall.roles import Role
from tests.conftest import World
from tests.fuzz.conftest import check_answer, run

# Fixed examples and a fixed seed: CI fuzzes the same requests on every run. No shrinking:
# a failure is reported with the request that failed, within the time CI allows. One world
# serves every example of every operation: building it per example would take the budget.
FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

# Left out, each for its reason:
NOT_FUZZED = {
    # Litestar's own documentation router: an unknown format gets Litestar's bare 404 page,
    # outside the product's error handling. The document itself is fuzzed (GET /schema/openapi.json).
    "GET /schema/{path}",
}


def sender(send: Callable[[APIOperation, Case], None], operation: APIOperation) -> Callable[[Case], None]:
    def fuzz(case: Case) -> None:
        send(operation, case)

    return fuzz


def fuzz_every_operation(
    schema: BaseSchema,
    subtests: pytest.Subtests,
    max_examples: int,
    send: Callable[[APIOperation, Case], None],
) -> None:
    operations = [
        result.ok() for result in schema.get_all_operations() if result.ok().label not in NOT_FUZZED
    ]
    assert len(operations) > 100  # the document was read, not an empty one
    for operation in operations:
        # Valid requests reach the services; invalid ones (wrong types, missing fields,
        # values out of range) must be turned away with a message.
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
        )

        with subtests.test(msg=operation.label):
            settings(FUZZ, max_examples=max_examples)(given(case=cases)(sender(send, operation)))()


def test_an_admin_gets_no_server_error_and_a_message_with_every_refusal(
    api_schema: BaseSchema, world: World, subtests: pytest.Subtests
) -> None:
    # A fresh token for each operation, so that one that revokes the caller's tokens (logout,
    # a password change, revoking sessions) blinds only its own later examples.
    tokens: dict[str, dict[str, str]] = {}

    def send(operation: APIOperation, case: Case) -> None:
        if operation.label not in tokens:
            tokens[operation.label] = run(world.fresh_auth(Role.ADMIN))
        response = case.call(headers=tokens[operation.label], allow_redirects=False)
        check_answer(response, f"{case.as_curl_command()} as admin")

    fuzz_every_operation(api_schema, subtests, 6, send)


def test_an_anonymous_caller_gets_no_server_error_and_a_message_with_every_refusal(
    api_schema: BaseSchema, subtests: pytest.Subtests
) -> None:
    def send(operation: APIOperation, case: Case) -> None:
        check_answer(case.call(allow_redirects=False), case.as_curl_command())

    fuzz_every_operation(api_schema, subtests, 2, send)
