"""Value tests: each panel's number on a real Prometheus against the simulator's ground truth.

`world` backfills one simulated run (a fixed 2 h plan) into Prometheus and keeps its truth;
`ledger` holds the samples the simulator emitted; `truth` the measures a case's truth is
written in (the simulator's facts and raw observations, or the emitted series where the
truth has no finer record); `check` the tolerances of issue 14; `cases` the table of panels;
`harness` runs them through dashctl.verify's variable substitution; `mutate` rewrites
queries for the mutation test.
"""
