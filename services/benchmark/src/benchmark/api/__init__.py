"""HTTP layer of the benchmark service: routes and request schemas."""
