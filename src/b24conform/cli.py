import typer

app = typer.Typer(no_args_is_help=True, help="Conformance suite for the Bitrix24 REST method crm.activity.add.")


@app.command()
def version() -> None:
    """Print the version."""
    from b24conform import __version__

    print(__version__)
