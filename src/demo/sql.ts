/**
 * Every SQL statement the demo runs: the schema with its (deliberately
 * incomplete) indexes, the endpoints' queries, and the migration that plants
 * the plan regression. Plain PostgreSQL that PGlite runs unchanged.
 *
 * The planted bugs, in SQL terms:
 * - data skew: `pending orders` filters on `tenant_id` through
 *   `orders_tenant_idx` only, so it reads *every* order of the tenant to find
 *   the pending ones and sorts them: ~0.3 ms for the median tenant, tens of ms
 *   for the biggest (whose rows are spread over the whole table, stored in
 *   time order as production stores them).
 * - plan regression: `MIGRATION` imports a legacy system's open orders (all
 *   pending, all stamped with the import time, so the newest rows of the
 *   table) and adds `orders_created_at_idx` for an admin page. The planner
 *   then walks that index backwards for the big tenants, expecting to meet
 *   their pending orders quickly, and steps over every imported row first;
 *   once ANALYZE has counted the imported pending rows it does the same for
 *   the next tier of tenants (docs/algorithms.md §9, recipes A and B).
 */

/** Bump when the schema or the load changes: cached PGlite databases are keyed by it. */
export const SCHEMA_VERSION = 2;

/** The meta table that marks a database as the demo's and records its state. */
export const META_TABLE = 'prodshape_demo';

export const DROP_SCHEMA = `DROP TABLE IF EXISTS orders, orders_load, accounts, tenants, ${META_TABLE}`;

/**
 * Tables without indexes (the load is faster when indexes come after it).
 * Columns as `prodshape generate` writes the saas-orders CSV files. Orders are
 * COPYed into `orders_load` (the generator writes them tenant by tenant) and
 * moved into `orders` in `created_at` order (AFTER_LOAD).
 */
export const CREATE_TABLES = `
CREATE TABLE tenants (
  id bigint NOT NULL,
  name text NOT NULL,
  plan text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE accounts (
  id bigint NOT NULL,
  tenant_id bigint NOT NULL,
  name text NOT NULL,
  email text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE orders_load (
  id bigint NOT NULL,
  tenant_id bigint NOT NULL,
  customer_id bigint NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL,
  total numeric NOT NULL
);
CREATE TABLE orders (LIKE orders_load INCLUDING ALL);
CREATE TABLE ${META_TABLE} (key text PRIMARY KEY, value text NOT NULL)`;

/** The CSV files' columns (in file order) and the table each is COPYed into. */
export const LOADS = [
  { file: 'tenants', table: 'tenants', columns: ['id', 'name', 'plan', 'created_at'] },
  { file: 'accounts', table: 'accounts', columns: ['id', 'tenant_id', 'name', 'email', 'created_at'] },
  { file: 'orders', table: 'orders_load', columns: ['id', 'tenant_id', 'customer_id', 'status', 'created_at', 'total'] },
] as const;

/** Statements run one by one after the load (VACUUM cannot run inside a multi-statement string). */
export const AFTER_LOAD = [
  // Production stores orders as they come: a big tenant's rows end up spread over the whole table.
  'INSERT INTO orders SELECT * FROM orders_load ORDER BY created_at, id',
  'DROP TABLE orders_load',
  'ALTER TABLE tenants ADD PRIMARY KEY (id)',
  'ALTER TABLE accounts ADD PRIMARY KEY (id)',
  'ALTER TABLE orders ADD PRIMARY KEY (id)',
  // The only index the pending-orders query can use: fast for small tenants, not for big ones.
  'CREATE INDEX orders_tenant_idx ON orders (tenant_id)',
  'CREATE INDEX accounts_tenant_idx ON accounts (tenant_id)',
  'VACUUM ANALYZE tenants',
  'VACUUM ANALYZE accounts',
  'VACUUM ANALYZE orders',
];

/** `GET /tenants/:id/orders`: $1 tenant, $2 status, $3 limit. The article's query. */
export const PENDING_ORDERS = `
SELECT id::text AS id, customer_id::int AS customer_id, status, created_at, total::float8 AS total
FROM orders
WHERE tenant_id = $1 AND status = $2
ORDER BY created_at DESC
LIMIT $3`;

/** The total for the page's badge and pagination ("42 pending"): $1 tenant, $2 status. Counts every matching order of the tenant. */
export const ORDERS_TOTAL = `SELECT count(*)::int AS total FROM orders WHERE tenant_id = $1 AND status = $2`;

/** The same query as the scenario's `plans` names it (literal status and limit). */
export const PENDING_ORDERS_PLAN = `SELECT * FROM orders WHERE tenant_id = $1 AND status = 'pending' ORDER BY created_at DESC LIMIT 10`;

/** `GET /tenants/:id/dashboard`: five widgets, each an aggregate over all of the tenant's orders ($1 tenant). */
export const DASHBOARD = {
  tenant: `SELECT id::int AS id, name, plan, created_at AS signup_at FROM tenants WHERE id = $1`,
  byStatus: `
SELECT status, count(*)::int AS orders, sum(total)::float8 AS revenue
FROM orders WHERE tenant_id = $1
GROUP BY status ORDER BY status`,
  byMonth: `
SELECT to_char(date_trunc('month', created_at), 'YYYY-MM') AS month, count(*)::int AS orders, sum(total)::float8 AS revenue
FROM orders WHERE tenant_id = $1
GROUP BY 1 ORDER BY 1`,
  topCustomers: `
SELECT a.id::int AS id, a.name, count(*)::int AS orders, sum(o.total)::float8 AS revenue
FROM orders o JOIN accounts a ON a.id = o.customer_id
WHERE o.tenant_id = $1
GROUP BY a.id, a.name
ORDER BY revenue DESC, a.id
LIMIT 5`,
  orderValue: `
SELECT round(avg(total), 2)::float8 AS mean,
       percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY total) AS percentiles
FROM orders WHERE tenant_id = $1`,
  customers: `
SELECT count(*)::int AS customers, (count(*) FILTER (WHERE n > 1))::int AS repeat_customers
FROM (SELECT customer_id, count(*) AS n FROM orders WHERE tenant_id = $1 GROUP BY customer_id) c`,
} as const;

export const GET_META = `SELECT key, value FROM ${META_TABLE}`;
export const SET_META = `INSERT INTO ${META_TABLE} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`;

/** The id the legacy tenant gets: above every generated one. */
export const LEGACY_TENANT_SQL = `SELECT coalesce(max(id), 0) + 1 AS id FROM tenants`;

/**
 * Migration "0042_legacy_import" for a legacy tenant id and a number of rows:
 * one statement per element. The imported orders get ids after the current
 * maximum and `created_at` values in the last `rows` ms before now, so they
 * are the table's newest rows.
 */
export const migrationSteps = (legacyTenant: number, rows: number): { name: string; sql: string }[] => [
  {
    name: 'import legacy tenant',
    sql: `INSERT INTO tenants (id, name, plan, created_at) VALUES (${legacyTenant}, 'Legacy import', 'legacy', now())`,
  },
  {
    name: 'import legacy account',
    sql: `INSERT INTO accounts (id, tenant_id, name, email, created_at)
SELECT coalesce(max(id), 0) + 1, ${legacyTenant}, 'Legacy customer', 'legacy@example.invalid', now() FROM accounts`,
  },
  {
    name: `import ${rows} legacy open orders`,
    sql: `INSERT INTO orders (id, tenant_id, customer_id, status, created_at, total)
SELECT m.max_id + g, ${legacyTenant}, a.max_account, 'pending', now() - (${rows} - g) * interval '1 millisecond', 10.00
FROM generate_series(1, ${rows}) AS g,
     (SELECT coalesce(max(id), 0) AS max_id FROM orders) AS m,
     (SELECT max(id) AS max_account FROM accounts) AS a`,
  },
  { name: 'index orders.created_at for the admin page', sql: 'CREATE INDEX orders_created_at_idx ON orders (created_at)' },
];

/** Run after the migration unless told not to: statistics catch up, as autovacuum would within a minute. */
export const ANALYZE_ORDERS = 'ANALYZE orders';

/** Undoes the migration (for `POST /admin/reset` and a reused DATABASE_URL). One statement per element. */
export const resetSteps = (legacyTenant: number): string[] => [
  `DELETE FROM orders WHERE tenant_id = ${legacyTenant}`,
  `DELETE FROM accounts WHERE tenant_id = ${legacyTenant}`,
  `DELETE FROM tenants WHERE id = ${legacyTenant}`,
  'DROP INDEX IF EXISTS orders_created_at_idx',
  'VACUUM ANALYZE orders',
  'VACUUM ANALYZE accounts',
  'VACUUM ANALYZE tenants',
];
