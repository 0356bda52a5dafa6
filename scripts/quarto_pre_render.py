"""Quarto's pre-render step (`_quarto.yml`): stage the selected runs for `quarto render`.

Quarto runs this with its Python (QUARTO_PYTHON, else python3 on PATH). When that Python
cannot import the project's library, the script re-runs itself with the project's .venv.
Everything it does is in safeguarding.quarto.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

try:
    from safeguarding.quarto import main
except ImportError:
    venv = ROOT / ".venv" / "bin" / "python"
    if venv.is_file() and Path(sys.prefix).resolve() != venv.parents[1].resolve():
        os.execv(str(venv), [str(venv), __file__, *sys.argv[1:]])
    sys.exit(
        "safeguarding: the library is not importable by "
        f"{sys.executable}; run scripts/bootstrap, or set QUARTO_PYTHON=.venv/bin/python"
    )

sys.exit(main(sys.argv[1:]))
