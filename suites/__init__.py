"""The conformance suites, a package so that an installed copy runs as `pytest --pyargs b24conform._suites`
(pytest resolves --pyargs only to a regular package) and the suites find their helpers (`._support`) in any
layout: the checkout's suites/, the wheel's b24conform/_suites, a copy named by $B24CONFORM_SUITES_DIR."""
