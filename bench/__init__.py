"""The benchmark (`make bench`): a seeded platform, the real HTTP stack against a raw baseline.

bench/seed.py       a fresh PostgreSQL database, migrated, bulk-loaded with COPY
bench/generate.py   the platform's rows (tree, users, accounts, devices); bench/ledger.py its ledger
bench/audit.py      the audit trail's entries and seals, as the services and the sealer leave them
bench/baseline.py   a bare Starlette + asyncpg + orjson app answering the same JSON
bench/workloads.py  the GraphQL documents; bench/fixture.py the rows and requests they use
bench/load.py       servers as processes, HTTP clients, pgbench
bench/unaudited.py  BENCH ONLY: the API with its audit writes skipped (W5 without auditing)
bench/eventless.py  BENCH ONLY: the API with its change-feed writes skipped (W7 without events)
bench/inprocess.py  statements per request and time in authorization, on the app in-process
bench/report.py     docs/benchmarks.md; bench/run.py runs it all
"""
