"""b24conform: a machine-checkable contract, a reference portal and a conformance judge for crm.activity.add."""

__version__ = "0.1.0"
