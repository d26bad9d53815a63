"""``python -m newsloom``: the same as the ``newsloom`` command."""

from newsloom.cli import main

if __name__ == "__main__":  # (not when a worker process imports it as its main module)
    main()
