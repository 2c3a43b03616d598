"""The face clock-in terminal: a program for a PC with a USB camera at the hall's entrance.

    python -m devices.face_terminal --server https://hall.example --token=SECRET --camera 0
    python -m devices.face_terminal --server URL --token=SECRET --video clip.mp4 --once
    python -m devices.face_terminal --server URL --token=SECRET --images frames/ --once
    python -m devices.face_terminal --server URL --token=SECRET --drain-only

How it works
------------
Recognition is local. The terminal downloads its hall's gallery (every enrolled person's
128-number face encodings, with the hall's tolerance, margin and repeat interval) from
`GET /api/faces/gallery` at start and every `--sync-seconds`, asking with If-None-Match so
an unchanged gallery costs one 304. Each camera frame (at most one every `--interval`
seconds) is analysed here with the server's own image path (`attendance.faces`: detect, check
size, sharpness and cut-off, encode) and matched with its own rule (`attendance.face_match`:
near enough, and clearly nearer than anyone else). So the terminal keeps clocking people in
when the network or the server is down: that is the point of doing it locally. The gallery
is cached in the state directory, so that recognition works offline after a restart too.

Punches go through an outbox. A recognised face becomes a punch with the hall's local time
(with its UTC offset) and an idempotency key made once for it (`ft-<terminal id>-<uuid4>`),
and is committed to an SQLite outbox in the state directory *before* any attempt to send it.
A sender drains the outbox to `POST /api/faces/punches`:

- 201 (stored) or 200 (this key was stored before: the reply to an earlier send was lost):
  the punch is deleted from the outbox. The server keeps the key, so a punch sent twice is
  stored once: none doubled.
- 400 / 409 / 413 / 422 (the server refuses this punch, e.g. the person is not in the hall):
  the punch moves to the `rejected` table with the server's message, kept for the
  administrator and never retried.
- no answer, a timeout, 5xx, or any other status (404 from a wrong URL, 429): the punch stays
  and is retried with backoff (5 s doubling to 60 s): none lost.
- 401 / 403: the server refuses the terminal's secret (the device was revoked or its secret
  replaced). The punches stay queued, the operator is told, and `--once`/`--drain-only` end
  with status 4. They are sent once the terminal has a valid secret again: after the
  secret is replaced (same device: the server still recognises keys sent before), or with
  the secret of a device registered anew (the revoked device never stored them, so nothing
  doubles).

The same person seen again within the repeat interval is not punched again (remembered in
memory only; the server applies the same interval to what arrives).

State directory (`--state-dir`, default ~/.hall-face-terminal): `gallery.json` (the last
gallery and the server it came from), `outbox.sqlite` (tables `outbox` and `rejected`, WAL,
synchronous=FULL so that a committed punch survives a power cut), `terminal-id`.

Exit status of `--once` and `--drain-only`: 0 the outbox is empty; 3 punches remain queued
(server unreachable or failing); 4 punches remain queued because the server refused the
terminal's secret; 5 (`--once`) no gallery to recognise with (never synced, server
unreachable); 2 bad arguments or an unreadable input.

The frame loop and every dlib call run in the main thread (dlib is not thread-safe); in
live mode the sender and the gallery sync run in one background thread, so that a slow
network never stalls recognition.
"""
