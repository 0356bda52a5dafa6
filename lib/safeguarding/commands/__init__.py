"""Sub-commands of the ``safeguarding`` command line, one module each (see ``cli.py``)."""
