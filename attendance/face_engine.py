"""Where faces are analysed: a pool of worker processes, shared by everything in this
process (the app, the arq worker). dlib is not thread-safe and one face costs up to 200 ms of
CPU, which must not stall the event loop; separate processes also scale with the cores.

The pool is started with `spawn`, so a worker inherits no event loop or database
connection, and is created on first use; `warm_up` loads the models before a face arrives.
"""

from __future__ import annotations

import asyncio
import os
import threading
import warnings
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from attendance import faces

_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()


def _start_worker() -> None:
    # dlib and OpenCV each run one thread per process; the pool supplies the parallelism.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    import cv2

    cv2.setNumThreads(1)
    # face_recognition_models still imports pkg_resources; the pin is in pyproject.toml.
    warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
    faces.warm()


def workers() -> int:
    return int(os.environ.get("FACE_WORKERS") or 1)


def pool() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=workers(), mp_context=get_context("spawn"), initializer=_start_worker
            )
        return _pool


def warm_up() -> None:
    """Start the workers and load the models in the background."""
    for _ in range(workers()):
        pool().submit(faces.warm)


async def analyse(content: bytes, limits: faces.ImageLimits, *, strict: bool) -> faces.Analysis:
    """faces.analyse in a worker process; ImageRefused comes back as raised there."""
    return await asyncio.get_running_loop().run_in_executor(pool(), _analyse, content, limits, strict)


def _analyse(content: bytes, limits: faces.ImageLimits, strict: bool) -> faces.Analysis:
    return faces.analyse(content, limits, strict=strict)
