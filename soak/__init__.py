"""Proof under load and faults: the scenarios `make soak` runs with big numbers and
`make test` runs with small ones (tests/soak/).

- `site`: a province with kiosks (each its own token), a supervisor's token and Twilio set up.
- `traffic`: the clients: kiosks posting ratings, citizens texting through Twilio's webhook,
  a supervisor reading the stats; each keeps a ledger of what the server acknowledged.
- `verify`: what must hold afterwards: every acknowledged rating stored once, the rollups
  equal to a scan of the ratings, the stats equal to the ledgers, nothing in the log.
- `scenarios`: load, SIGKILL and restart, disk full; each returns a `Report`.
"""
