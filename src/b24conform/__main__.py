"""`python -m b24conform` is the `b24conform` command."""
from b24conform.cli import app

app(prog_name="b24conform")
