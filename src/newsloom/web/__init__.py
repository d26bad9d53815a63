"""The reader's site, the JSON API and the Atom feeds (FastAPI + Jinja2, no JavaScript)."""

from .app import create_app, make_server, serve

__all__ = ["create_app", "make_server", "serve"]
