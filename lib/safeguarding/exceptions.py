"""Every error the library raises for a user's mistake, under one base class.

The command line and the notebooks' first cell catch :class:`SafeguardingError` alone and
show its message in one line per problem; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .validation import Issue


class SafeguardingError(Exception):
    """A problem the user can fix: bad input, a bad option, a period or parameter."""

    def lines(self) -> list[str]:
        """The message as the lines a user reads (one per problem)."""
        message = self.args[0] if self.args else str(self)
        return [f"error: {message}"]

    def _render_traceback_(self) -> list[str]:
        # IPython (a notebook cell, JupyterLab) shows these lines instead of a traceback
        return self.lines()


class InputError(SafeguardingError):
    """Fatal problems in an input: the authority's load stops, with every message."""

    def __init__(self, issues: Iterable[Issue] | str):
        from .validation import Issue

        if isinstance(issues, str):
            issues = [Issue("error", "<input>", "input", issues)]
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))

    def lines(self) -> list[str]:
        return [str(i) for i in self.issues]


class PeriodError(SafeguardingError, ValueError):
    """A period spelt in a way the library does not accept."""


class RenderError(SafeguardingError, RuntimeError):
    """The notebook cannot be rendered (it failed, or has no report metadata)."""


class OptionError(SafeguardingError, ValueError):
    """Options the batch cannot honour (an executor without what it needs): reported as one
    line by the command, before any work."""


class MissingParam(SafeguardingError, KeyError):
    """A rule needed a definition parameter the catalogue entry does not give."""

    def __str__(self) -> str:  # KeyError's str() quotes its argument
        return str(self.args[0]) if self.args else ""


class UnknownName(SafeguardingError, KeyError):
    """A name the project does not know: an authority, committee, indicator or table."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class MissingInput(SafeguardingError, FileNotFoundError):
    """A file or folder the run needs is not there."""


class ParameterError(SafeguardingError, ValueError):
    """A parameter outside its valid values (an audience, a mode, a window, a format)."""


class BatchBusy(SafeguardingError):
    """Another batch holds the quarter's lock (its pid, host and start are in the message)."""


class DiskFull(SafeguardingError, OSError):
    """No space left (or a file-size limit) where the batch writes: it stops in one line,
    and the published reports stay the last good ones."""


class WorkersLost(SafeguardingError):
    """A Dask cluster had no workers for longer than ``--worker-timeout``: the batch ended."""


class ValidatorError(SafeguardingError, RuntimeError):
    """DfE's validators (run in their own environment) could not be built or run."""
