-- 004: contribution-wage filings (缴费工资申报). The edit list of each page (unit × kind × way) is kept
-- here so it survives closing the browser; the filings and their lines as last fetched from the bureau.
CREATE TABLE wage_draft_rows (
    row_id BIGINT NOT NULL,             -- unique in the store, in the order rows were added
    unit_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,              -- daily | annual
    way VARCHAR NOT NULL,               -- employee | item
    employee_id VARCHAR NOT NULL,
    item_code VARCHAR,                  -- way=item: the insured item; way=employee: NULL
    item_name VARCHAR,
    tax_authority VARCHAR,              -- 主管税务机关
    old_wage DECIMAL(18,2),             -- 原缴费工资 when the row was added
    new_wage DECIMAL(18,2) NOT NULL,    -- 新缴费工资
    month VARCHAR,                      -- 生效年月 'YYYY-MM' (daily); NULL for annual filings
    status VARCHAR NOT NULL,            -- 未申报 | 提交中 | 已申报
    submit_key VARCHAR,                 -- Idempotency-Key of the submit that carries the row (提交中, 已申报)
    filing_id VARCHAR,                  -- the bureau's filing once it answered
    added_at TIMESTAMP NOT NULL
);

CREATE TABLE wage_filings (
    unit_id VARCHAR NOT NULL,
    filing_id VARCHAR NOT NULL,
    submitted_at TIMESTAMP,
    kind VARCHAR NOT NULL,
    way VARCHAR NOT NULL,
    tax_authority VARCHAR,
    employees INTEGER,
    lines INTEGER,
    status VARCHAR NOT NULL,            -- 待反馈 | 全部申报成功 | 全部申报失败 | 部分申报成功
    decided_at TIMESTAMP,
    fetched_at TIMESTAMP NOT NULL,
    lines_fetched BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE wage_filing_lines (
    unit_id VARCHAR NOT NULL,
    filing_id VARCHAR NOT NULL,
    line_no INTEGER,
    employee_id VARCHAR,
    name VARCHAR,
    id_type VARCHAR,
    id_number VARCHAR,
    item_code VARCHAR,
    item_name VARCHAR,
    old_wage DECIMAL(18,2),
    new_wage DECIMAL(18,2),
    base DECIMAL(18,2),
    month VARCHAR,
    status VARCHAR,                     -- 成功 | 失败
    reason VARCHAR
);
