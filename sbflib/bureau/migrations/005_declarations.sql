-- 005: fee declarations (社保费申报, manual 2.8-2.10, 2.19-2.25, 2.27).
-- The preprocessing of 税务自主 items (data source 01) is computed on request from the roster's bases
-- and `wage_back_pay`; what the social security office assesses (征集信息 03, 特殊缴费 02, 工程项目) is
-- kept here, generated per unit and month by the demo bureau on first use.
CREATE SEQUENCE IF NOT EXISTS declaration_seq START 1;
CREATE SEQUENCE IF NOT EXISTS submission_seq START 1;
CREATE SEQUENCE IF NOT EXISTS voucher_seq START 1;
-- Which (unit, month) the office's assessments were generated for (a demo reset forgets them).
CREATE TABLE IF NOT EXISTS assessed_units (
    unit_id VARCHAR NOT NULL, month VARCHAR NOT NULL, generated_at TIMESTAMP NOT NULL
);
-- 工程项目参保信息 (EMP-25): construction projects insured for work injury on their own.
CREATE TABLE IF NOT EXISTS projects (
    unit_id VARCHAR NOT NULL, project_no VARCHAR NOT NULL, project_name VARCHAR NOT NULL,
    unit_number VARCHAR NOT NULL, agency VARCHAR NOT NULL, address VARCHAR NOT NULL,
    contract_value DECIMAL(18,2) NOT NULL, monthly_payroll DECIMAL(18,2) NOT NULL, workers INTEGER NOT NULL,
    start_date DATE NOT NULL, end_date DATE NOT NULL, status VARCHAR NOT NULL, registered_on DATE NOT NULL
);
-- Assessed preprocessing rows (征集信息 03, 特殊缴费 02, 工程项目), one per notice, item, payer, period.
CREATE TABLE IF NOT EXISTS assessed_items (
    prep_id VARCHAR NOT NULL, unit_id VARCHAR NOT NULL, channel VARCHAR NOT NULL, source_code VARCHAR NOT NULL,
    unit_number VARCHAR NOT NULL, agency VARCHAR NOT NULL, notice_no VARCHAR NOT NULL, valid_until DATE NOT NULL,
    special_type VARCHAR, project_no VARCHAR, item_code VARCHAR NOT NULL, item_name VARCHAR NOT NULL,
    subitem_name VARCHAR NOT NULL, payer VARCHAR NOT NULL, period_start VARCHAR NOT NULL,
    period_end VARCHAR NOT NULL, headcount INTEGER NOT NULL, base_total DECIMAL(18,2) NOT NULL,
    rate DECIMAL(12,6) NOT NULL, amount DECIMAL(18,2) NOT NULL, created_at TIMESTAMP NOT NULL
);
-- Their per-employee lines (none for 工程项目), one per employee and month.
CREATE TABLE IF NOT EXISTS assessed_lines (
    prep_id VARCHAR NOT NULL, unit_id VARCHAR NOT NULL, employee_id VARCHAR NOT NULL, month VARCHAR NOT NULL,
    base DECIMAL(18,2) NOT NULL, rate DECIMAL(12,6) NOT NULL, amount DECIMAL(18,2) NOT NULL
);
-- One POST of declarations: its key answers a retry (even after a new login) with the first answer.
CREATE TABLE IF NOT EXISTS declaration_submissions (
    submission_id VARCHAR PRIMARY KEY, unit_id VARCHAR NOT NULL, channel VARCHAR NOT NULL,
    submitted_at TIMESTAMP NOT NULL, idempotency_key VARCHAR, body_sha256 VARCHAR NOT NULL
);
-- A declaration (申报表): one per data source of a submission; decided once `due_at` has passed.
CREATE TABLE IF NOT EXISTS declarations (
    declaration_id VARCHAR PRIMARY KEY, unit_id VARCHAR NOT NULL, submission_id VARCHAR NOT NULL,
    channel VARCHAR NOT NULL, source_code VARCHAR NOT NULL, tax_authority VARCHAR NOT NULL,
    status VARCHAR NOT NULL, reason VARCHAR, submitted_at TIMESTAMP NOT NULL, due_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP, rows INTEGER NOT NULL, headcount INTEGER NOT NULL, total_due DECIMAL(18,2) NOT NULL,
    voucher_no VARCHAR, pay_status VARCHAR,
    void_requested_at TIMESTAMP, void_due_at TIMESTAMP, void_decided_at TIMESTAMP, void_reason VARCHAR,
    void_key VARCHAR
);
-- The preprocessing rows a declaration holds, as they were declared.
CREATE TABLE IF NOT EXISTS declaration_rows (
    declaration_id VARCHAR NOT NULL, prep_id VARCHAR NOT NULL, channel VARCHAR NOT NULL,
    source_code VARCHAR NOT NULL, unit_number VARCHAR NOT NULL, agency VARCHAR NOT NULL, notice_no VARCHAR,
    valid_until DATE, special_type VARCHAR, project_no VARCHAR, item_code VARCHAR NOT NULL,
    item_name VARCHAR NOT NULL, subitem_name VARCHAR NOT NULL, payer VARCHAR NOT NULL,
    period_start VARCHAR NOT NULL, period_end VARCHAR NOT NULL, headcount INTEGER NOT NULL,
    base_total DECIMAL(18,2) NOT NULL, rate DECIMAL(12,6) NOT NULL, amount DECIMAL(18,2) NOT NULL
);
-- Their per-employee lines, as declared.
CREATE TABLE IF NOT EXISTS declaration_lines (
    declaration_id VARCHAR NOT NULL, prep_id VARCHAR NOT NULL, employee_id VARCHAR NOT NULL,
    month VARCHAR NOT NULL, base DECIMAL(18,2) NOT NULL, rate DECIMAL(12,6) NOT NULL,
    amount DECIMAL(18,2) NOT NULL
);
