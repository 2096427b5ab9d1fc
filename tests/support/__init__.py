"""Helpers shared by the test packages: one module per helper (the CLI runner, the engine harness,
the client's constants, example plans, a DNS server on 127.0.0.1, a bare TCP listener there, the
manifest examples)."""
