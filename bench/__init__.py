"""The benchmark (`make bench`): a seeded platform, the real HTTP stack against a raw baseline.

bench/seed.py      a fresh PostgreSQL database, migrated, bulk-loaded with COPY
bench/baseline.py  a bare Starlette + asyncpg + orjson app answering the same JSON
bench/run.py       seeds, serves both, measures W1-W6, writes docs/benchmarks.md
"""
