"""What the report notebooks' first cell needs beyond the report: library errors in one line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..exceptions import SafeguardingError


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Show a library error (a bad parameter, a missing input) as one line, not a traceback.

    The error still propagates, so *Run All* and Papermill stop at the cell and the batch
    records the failure; only what IPython prints changes (``_render_traceback_``, the hook
    it asks an exception for its own lines). Errors that are not the library's own are bugs
    and keep their traceback.
    """
    try:
        yield
    except SafeguardingError as err:
        line = f"{type(err).__name__}: {err}"
        err._render_traceback_ = lambda: [line]  # type: ignore[attr-defined]
        raise
