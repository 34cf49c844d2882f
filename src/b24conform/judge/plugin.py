"""pytest plugin of the judge (registered under the pytest11 entry point)."""
