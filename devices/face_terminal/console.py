"""What the terminal tells its operator, on stdout.

Every message for the operator goes through `_announce`: tests/web/test_i18n.py treats the
strings inside its calls as console output, not UI text to translate."""

from __future__ import annotations

import threading
import time

# The same hint (unknown face, too far away, ...) is printed again only after this long.
HINT_SECONDS = 5.0


class _Console:
    """Messages for the operator, on stdout. Hints about frames repeat for as long as a
    person stands there; the same one is printed once per HINT_SECONDS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_hint: tuple[str, float] | None = None

    def say(self, message: str, *, hint: bool) -> None:
        with self._lock:
            now = time.monotonic()
            if hint:
                if (
                    self._last_hint
                    and self._last_hint[0] == message
                    and now - self._last_hint[1] < HINT_SECONDS
                ):
                    return
                self._last_hint = (message, now)
            else:
                self._last_hint = None
            print(message, flush=True)


_console = _Console()


def _announce(message: str, *, hint: bool = False) -> None:
    # Console output for the operator at the terminal, not UI text (tests/web/test_i18n.py).
    _console.say(message, hint=hint)
