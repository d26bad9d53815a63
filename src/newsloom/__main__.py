"""``python -m newsloom``: the same as the ``newsloom`` command."""

from newsloom.cli import main

main()
