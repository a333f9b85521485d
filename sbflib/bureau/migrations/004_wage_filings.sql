-- 004: contribution-wage filings (缴费工资申报, manual 2.3-2.7). A filing arrives 待反馈 and is decided
-- once `due_at` has passed (by the worker, or on read); its lines then carry their result.
CREATE SEQUENCE IF NOT EXISTS wage_filing_seq START 1;
CREATE TABLE IF NOT EXISTS wage_filings (
    filing_id VARCHAR PRIMARY KEY, unit_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, way VARCHAR NOT NULL,
    tax_authority VARCHAR NOT NULL, employees INTEGER NOT NULL, lines INTEGER NOT NULL,
    status VARCHAR NOT NULL, submitted_at TIMESTAMP NOT NULL, due_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    -- The Idempotency-Key it came with and the sha256 of its body: the same key from the same unit
    -- gets this filing back even after a new login (the middleware keeps keys per token only).
    idempotency_key VARCHAR, body_sha256 VARCHAR
);
-- One row per line sent (way=employee: item_code NULL, the wage applies to every 税务自主 item).
-- The employee's particulars, old wage, base, status and reason are filled when the filing is decided.
CREATE TABLE IF NOT EXISTS wage_filing_lines (
    filing_id VARCHAR NOT NULL, line_no INTEGER NOT NULL, employee_id VARCHAR NOT NULL,
    item_code VARCHAR, wage DECIMAL(18,2) NOT NULL, month VARCHAR NOT NULL,
    name VARCHAR, id_type VARCHAR, id_number VARCHAR, item_name VARCHAR,
    old_wage DECIMAL(18,2), base DECIMAL(18,2), status VARCHAR, reason VARCHAR
);
-- 缴费基数 history: the wage filed for an employee's item from `from_month` on and its base that month.
-- A row whose month has come (from_month <= the current month) is `applied`: employee_items.base
-- becomes the latest such wage held by the current month's floor and cap; later rows wait for it.
CREATE TABLE IF NOT EXISTS wage_base_history (
    unit_id VARCHAR NOT NULL, employee_id VARCHAR NOT NULL, item_code VARCHAR NOT NULL,
    from_month VARCHAR NOT NULL, wage DECIMAL(18,2) NOT NULL, base DECIMAL(18,2) NOT NULL,
    filing_id VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL, applied BOOLEAN NOT NULL DEFAULT false
);
-- 补缴预处理: one row per unit, employee, item and past month whose base a filing changed (months
-- before the month it was decided in); the latest filing's base. Read by the fee declarations.
CREATE TABLE IF NOT EXISTS wage_back_pay (
    unit_id VARCHAR NOT NULL, employee_id VARCHAR NOT NULL, item_code VARCHAR NOT NULL,
    month VARCHAR NOT NULL, base DECIMAL(18,2) NOT NULL, filing_id VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);
