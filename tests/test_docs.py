"""The README documents every setting and every command (as Datasette's tests do)."""

import re
from pathlib import Path

import click

from newsloom.cli import main
from newsloom.config import documented_settings

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_every_setting_is_documented():
    missing = [env for _n, env, _d, _doc in documented_settings() if f"`{env}`" not in README]
    assert not missing, f"settings missing from README: {missing}"


def _commands(group: click.Group, prefix: str = "newsloom"):
    for name, cmd in group.commands.items():
        full = f"{prefix} {name}"
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, full)
        else:
            yield full


def test_every_command_is_documented():
    missing = [c for c in _commands(main) if f"`{c}" not in README]
    assert not missing, f"commands missing from README: {missing}"


def test_documented_query_parameters_exist():
    """The README once sent readers to `/?lang=`; the site reads `?language=`."""
    from newsloom.web import api, feeds, pages

    params = {
        param.alias
        for router in (pages.router, feeds.router, api.router)
        for route in router.routes
        for param in route.dependant.query_params
    }
    documented = set(re.findall(r"\?(\w+)=", README))
    assert documented and documented <= params, documented - params
