"""newsloom: many outlets, one neutral, sourced page per story."""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
