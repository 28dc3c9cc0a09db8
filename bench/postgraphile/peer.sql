-- BENCH ONLY: what PostGraphile needs to serve the benchmark's workloads from the same rows in
-- the same order as the API and the raw baseline (bench/peer.py installs it in the bench's
-- database before measuring). Root fields are set-returning functions (PostGraphile exposes each
-- as a connection); the counts are computed columns (`<table>_<name>(row)`, in the table's
-- schema, STABLE), which PostGraphile inlines into its one SELECT. Plain SQL functions, so
-- PostgreSQL can inline them too.

-- W1: a company's subtree in depth-first order (by path), archived companies left out.
CREATE OR REPLACE FUNCTION peer_company_subtree(root_id int) RETURNS SETOF companies
LANGUAGE sql STABLE AS $$
  SELECT c.* FROM companies c, companies r
  WHERE r.id = root_id
    AND c.path >= r.path AND c.path < left(r.path, -1) || '0' AND c.archived_at IS NULL
  ORDER BY c.path
$$;

CREATE OR REPLACE FUNCTION companies_children_count(c companies) RETURNS int
LANGUAGE sql STABLE AS $$
  SELECT count(*)::int FROM companies k WHERE k.parent_id = c.id AND k.archived_at IS NULL
$$;

CREATE OR REPLACE FUNCTION companies_descendants_count(c companies) RETURNS int
LANGUAGE sql STABLE AS $$
  SELECT count(*)::int FROM companies k
  WHERE k.path > c.path AND k.path < left(c.path, -1) || '0' AND k.archived_at IS NULL
$$;

CREATE OR REPLACE FUNCTION companies_users_count(c companies) RETURNS int
LANGUAGE sql STABLE AS $$
  SELECT count(*)::int FROM users u WHERE u.company_id = c.id AND u.is_active
$$;

CREATE OR REPLACE FUNCTION companies_devices_count(c companies) RETURNS int
LANGUAGE sql STABLE AS $$
  SELECT count(*)::int FROM devices d WHERE d.company_id = c.id AND d.unregistered_at IS NULL
$$;

CREATE OR REPLACE FUNCTION companies_credit_balance(c companies) RETURNS int
LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT b.balance FROM credit_balances b WHERE b.company_id = c.id), 0)::int
$$;

-- W2: the registered devices of a company's subtree, by id, after a keyset position (0: from the
-- start): PostGraphile's own cursors over a function are offsets, so the keyset is an argument.
CREATE OR REPLACE FUNCTION peer_subtree_devices(root_id int, after_id int) RETURNS SETOF devices
LANGUAGE sql STABLE AS $$
  SELECT d.* FROM devices d
  JOIN companies c ON c.id = d.company_id
  JOIN companies r ON r.id = root_id
  WHERE c.path >= r.path AND c.path < left(r.path, -1) || '0'
    AND d.unregistered_at IS NULL AND d.id > after_id
  ORDER BY d.id
$$;

-- W4: the running accounts of a company's subtree, newest first.
CREATE OR REPLACE FUNCTION peer_active_accounts(root_id int) RETURNS SETOF accounts
LANGUAGE sql STABLE AS $$
  SELECT a.* FROM accounts a
  JOIN companies c ON c.id = a.company_id
  JOIN companies r ON r.id = root_id
  WHERE c.path >= r.path AND c.path < left(r.path, -1) || '0'
    AND a.state = 'ACTIVE' AND a.expires_at > now()
  ORDER BY a.id DESC
$$;

CREATE OR REPLACE FUNCTION accounts_datapoints_used(a accounts) RETURNS int
LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(d.datapoints), 0)::int FROM devices d
  WHERE d.account_id = a.id AND d.unregistered_at IS NULL
$$;
