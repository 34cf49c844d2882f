"""Top-level conftest: the project's own tests drive whole pytest runs of the judge with pytester.

The judge itself (fixtures, options, hypothesis profiles) is the `b24conform` pytest11 plugin in
src/b24conform/judge/plugin.py, so it also works for an installed copy without this file.
"""
pytest_plugins = ["pytester"]

# pytester's in-process runs drop every module first imported during the run. cryptography's Rust
# bindings do not survive a second import in one process ("curve must be an EllipticCurve
# instance"), so the TLS stack of the embedded portal is imported once, here, before any run.
import cryptography.hazmat.primitives.asymmetric.ec  # noqa: E402,F401
import trustme  # noqa: E402,F401
