"""Value tests: each panel's number on a real Prometheus against the simulator's ground truth.

`ledger` holds what the simulator emitted, `truth` the measures a case's truth is written
in, `check` the tolerances, `cases` the table of panels, `harness` runs them, `mutate`
rewrites queries for the mutation test.
"""
