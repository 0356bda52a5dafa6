"""Loaders: statutory returns and the project's own layout -> canonical tables.

Each returns a :class:`~safeguarding.dataset.DataSet` (tables, warnings, sources with
checksums) or raises :class:`~safeguarding.validation.InputError` listing every fatal
problem. The rules they share are in :mod:`.checks`.
"""

from .annex_a import load_annex_a
from .canonical import authority_folders, read_authority_names, read_canonical, read_data_dir
from .cin_census import load_cin_census
from .history import merge_returns
from .population import load_population
from .ssda903 import load_ssda903

__all__ = [
    "authority_folders",
    "load_annex_a",
    "load_cin_census",
    "load_population",
    "load_ssda903",
    "merge_returns",
    "read_authority_names",
    "read_canonical",
    "read_data_dir",
]
