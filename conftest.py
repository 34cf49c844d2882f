"""Top-level conftest: the project's own tests drive whole pytest runs of the judge with pytester.

The judge itself (fixtures, options, hypothesis profiles) is the `b24conform` pytest11 plugin in
src/b24conform/judge/plugin.py, so it also works for an installed copy without this file.
"""
pytest_plugins = ["pytester"]
