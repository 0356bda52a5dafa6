"""Reading and validating everything under ``params/``.

The layout (see ``docs/architecture.md``)::

    params/
      settings.yaml            data location, neighbour average, front-sheet fields per report
      authorities.yaml         authorities, their neighbours and committees
      indicators.yaml          local indicators (read by ``catalogue``)
      targets/<YYYY-YY>.csv    targets per year (read by ``safeguarding.targets``)
      commentary/<YYYY-YY-Qn>/<authority>/<INDICATOR>.md
      runs/<YYYY-YY-Qn>.yaml   which reports go to which committees, for which audience

Every problem is an :class:`~safeguarding.validation.Issue` naming the file (relative to
the project root) and the field (``authorities[2].committees[0].meeting_date``); all the
problems in a file are reported together in one :class:`InputError`.

One module a job: ``records`` (what the files become and the words their fields take),
``fields`` (the checks every file shares), one reader a file kind (``authorities``,
``settings``, ``run_plans``, ``commentary_files``) and ``project`` (them all read together by
:func:`load_project`). Everything is imported from ``safeguarding.params``.
"""

from .authorities import read_authorities
from .commentary_files import Commentary, read_commentary
from .project import Project, find_root, load_project, quarter_slug
from .records import (
    AUDIENCES,
    COMMENTARY_MODES,
    DEFAULT_DATA_DIR,
    FORMATS,
    IMPLICATIONS,
    NEIGHBOUR_AVERAGES,
    REPORTS,
    AnnexAEntry,
    Authority,
    Committee,
    FrontSheet,
    Implications,
    Officer,
    RunEntry,
    RunPlan,
    Settings,
)
from .run_plans import read_run_plan
from .settings import read_settings

__all__ = [
    "AUDIENCES",
    "COMMENTARY_MODES",
    "DEFAULT_DATA_DIR",
    "FORMATS",
    "IMPLICATIONS",
    "NEIGHBOUR_AVERAGES",
    "REPORTS",
    "AnnexAEntry",
    "Authority",
    "Commentary",
    "Committee",
    "FrontSheet",
    "Implications",
    "Officer",
    "Project",
    "RunEntry",
    "RunPlan",
    "Settings",
    "find_root",
    "load_project",
    "quarter_slug",
    "read_authorities",
    "read_commentary",
    "read_run_plan",
    "read_settings",
]
