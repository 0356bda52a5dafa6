"""The project: ``params/`` read and validated as a whole, with what each run reads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..exceptions import MissingInput, UnknownName
from ..periods import Period, PeriodError, parse_period
from ..validation import InputError, Issue
from .authorities import read_authorities
from .commentary_files import Commentary, read_commentary
from .records import REPORTS, Authority, FrontSheet, RunEntry, RunPlan, Settings
from .run_plans import read_run_plan
from .settings import read_settings


def find_root(start: str | Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: cwd) holding ``params/`` and
    ``pyproject.toml``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "params").is_dir() and (folder / "pyproject.toml").is_file():
            return folder
    raise MissingInput(
        f"no project found at or above {here}: a project folder holds params/ and "
        "pyproject.toml (run from inside the project, or pass --project)"
    )


@dataclass
class Project:
    """A project's parameters, validated; paths are absolute."""

    root: Path
    settings: Settings
    authorities: dict[str, Authority]
    _commentary_cache: dict[Path, Commentary] = field(default_factory=dict, repr=False)

    @property
    def params_dir(self) -> Path:
        return self.root / "params"

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    def rel(self, path: Path) -> str:
        """``path`` relative to the project root where it lies inside it (for messages)."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def authority(self, code: str) -> Authority:
        code = str(code)
        if code not in self.authorities:
            raise UnknownName(
                f"authority {code!r} is not in params/authorities.yaml (known: "
                f"{', '.join(self.authorities)})"
            )
        return self.authorities[code]

    def front_sheet(self, report: str) -> FrontSheet:
        if report not in self.settings.reports:
            raise UnknownName(
                f"report {report!r} has no front-sheet settings in "
                f"params/settings.yaml (known: {', '.join(self.settings.reports)})"
            )
        return self.settings.reports[report]

    def notebook(self, report: str) -> Path:
        return self.settings.notebooks_dir / f"{report}.ipynb"

    # commentary
    def commentary_dir(self, authority: str, quarter: str | Period) -> Path:
        return self.params_dir / "commentary" / quarter_slug(quarter) / str(authority)

    def commentary(self, authority: str, quarter: str | Period, indicator: str) -> tuple[str, str]:
        """The analyst's text for one indicator and its mode; ``("", "replace")`` when there is
        none (an empty text never replaces the drafted paragraph)."""
        path = self.commentary_dir(authority, quarter) / f"{indicator}.md"
        if not path.is_file():
            return "", "replace"
        if path not in self._commentary_cache:
            self._commentary_cache[path] = read_commentary(path, self.rel(path), self.root)
        found = self._commentary_cache[path]
        return found.text, found.mode

    # targets
    def targets_file(self, year: str | Period) -> Path | None:
        """``params/targets/<YYYY-YY>.csv`` for the financial year of ``year``, if present."""
        path = self.settings.targets_dir / f"{parse_period(year).fy_label}.csv"
        return path if path.is_file() else None

    def targets_files(self) -> list[Path]:
        return sorted(self.settings.targets_dir.glob("*.csv"))

    def targets(self, years: list[str | Period] | None = None) -> Any:
        """The targets, read by ``safeguarding.targets.read_targets`` (imported lazily: the
        CSV's content rules live there)."""
        from .. import targets as targets_module  # noqa: PLC0415 - optional, owned elsewhere

        files = (
            self.targets_files()
            if years is None
            else [p for p in (self.targets_file(y) for y in years) if p is not None]
        )
        import pandas as pd  # noqa: PLC0415

        catalogue = self.catalogue()
        frames = [targets_module.read_targets(f, catalogue) for f in files]
        if not frames:
            return pd.DataFrame(columns=list(targets_module.COLUMNS))
        combined = pd.concat(frames, ignore_index=True)
        combined.attrs = dict(frames[0].attrs)  # every frame was checked against catalogue
        return combined

    def catalogue(self) -> Any:
        """The built-in indicator catalogue plus the project's local indicators."""
        from ..catalogue import catalogue  # noqa: PLC0415

        return catalogue().with_local(self.settings.indicators_file)

    # run plans
    def run_file(self, quarter: str | Period) -> Path:
        return self.params_dir / "runs" / f"{quarter_slug(quarter)}.yaml"

    def run_plan(self, quarter: str | Period) -> RunPlan:
        """The quarter's run file, or the default: every authority × the three reports, each
        to the committee its settings name, for the public, in the formats it takes."""
        period = parse_period(quarter)
        if period.kind != "quarter":
            raise PeriodError(f"a run is for a quarter, e.g. '2024-25 Q2', not {period.label!r}")
        path = self.run_file(period)
        if path.is_file():
            return read_run_plan(
                path, self.rel(path), period, self.authorities, self.settings.reports
            )
        entries = []
        for code, authority in self.authorities.items():
            for report in REPORTS:
                if report not in self.settings.reports:
                    continue
                committee = self.settings.reports[report].committee
                if committee not in authority.committees:
                    committee = next(iter(authority.committees))
                formats = authority.committees[committee].formats
                entries.append(RunEntry(code, report, committee, "public", formats))
        return RunPlan(period.label, tuple(entries), None)

    # what a run reads
    def files_read(self, authority: str, quarter: str | Period) -> list[Path]:
        """The params files one authority's run reads, for checksums (existing files only)."""
        period = parse_period(quarter)
        files = [self.params_dir / "settings.yaml", self.params_dir / "authorities.yaml"]
        if self.settings.indicators_file:
            files.append(self.settings.indicators_file)
        files.append(self.run_file(period))
        for year in (period.financial_year, period.financial_year.shift(-1)):
            target = self.targets_file(year)
            if target:
                files.append(target)
        folder = self.commentary_dir(authority, period)
        if folder.is_dir():
            files.extend(sorted(folder.rglob("*.md")))
        return [f for f in files if f.is_file()]

    def check(self) -> list[Issue]:
        """Validate the files read lazily (commentary) as well; returns every issue."""
        issues: list[Issue] = []
        for path in sorted((self.params_dir / "commentary").rglob("*.md")):
            parts = path.relative_to(self.params_dir / "commentary").parts
            try:
                if len(parts) != 3:
                    raise InputError(
                        [
                            Issue(
                                "error",
                                self.rel(path),
                                "commentary-layout",
                                "commentary lives at commentary/<YYYY-YY-Qn>/"
                                "<authority>/<INDICATOR>.md",
                            )
                        ]
                    )
                quarter_dir, code, _ = parts
                if parse_period(quarter_dir.replace("-Q", " Q")).kind != "quarter":
                    raise PeriodError(f"{quarter_dir} is not a quarter")
                if code not in self.authorities:
                    raise InputError(
                        [
                            Issue(
                                "error",
                                self.rel(path),
                                "known-authority",
                                f"{code} is not in params/authorities.yaml",
                            )
                        ]
                    )
                read_commentary(path, self.rel(path), self.root, safe=False)  # the runs check text
            except PeriodError as exc:
                issues.append(Issue("error", self.rel(path), "period", str(exc)))
            except InputError as exc:
                issues.extend(exc.issues)
        return issues


def quarter_slug(quarter: str | Period) -> str:
    """The quarter's folder and file name: ``2024-25 Q2`` → ``2024-25-Q2``."""
    return parse_period(quarter).label.replace(" ", "-")


def load_project(root: str | Path | None = None) -> Project:
    """Read and validate ``params/`` of the project at ``root`` (found upward from the working
    directory when not given). Every problem in a file is reported together."""
    root = find_root(root) if root is None else Path(root).resolve()
    if not (root / "params").is_dir():
        raise MissingInput(f"{root} has no params/ folder")
    issues: list[Issue] = []
    settings = authorities = None
    try:
        settings = read_settings(root / "params" / "settings.yaml", root)
    except InputError as exc:
        issues.extend(exc.issues)
    try:
        authorities = read_authorities(root / "params" / "authorities.yaml")
    except InputError as exc:
        issues.extend(exc.issues)
    if settings and authorities:
        issues.extend(_cross_check(settings, authorities))
    if issues:
        raise InputError(issues)
    return Project(root, settings, authorities)


def _cross_check(settings: Settings, authorities: dict[str, Authority]) -> Iterator[Issue]:
    """Each report's default committee should exist for at least one authority."""
    committees = {c for a in authorities.values() for c in a.committees}
    for name, sheet in settings.reports.items():
        if sheet.committee not in committees:
            yield Issue(
                "error",
                "params/settings.yaml",
                "known-committee",
                "no authority in params/authorities.yaml has this committee",
                row=f"reports.{name}.committee",
                value=sheet.committee,
            )
