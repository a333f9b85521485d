-- 008: fee declarations (社保费申报): the preprocessing rows each declaration page last fetched (per
-- unit and channel), the per-employee lines downloaded once per row (clicking 缴费人数), and the
-- submissions sent or about to be sent, with the Idempotency-Key and the exact body they carry, so a
-- lost answer or a restart re-sends the same body with the same key (never two declarations).
CREATE TABLE declare_rows (
    unit_id VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,           -- daily | special | assessed | project (the page)
    pos INTEGER NOT NULL,               -- the bureau's order
    prep_id VARCHAR NOT NULL,
    group_key VARCHAR NOT NULL,         -- rows that must be declared together
    source_code VARCHAR NOT NULL,       -- 01 税务机关 | 02 社保部门 | 03 社保部门核定征收
    source_name VARCHAR,
    unit_number VARCHAR,
    agency VARCHAR,                     -- 社保经办机构
    notice_no VARCHAR,                  -- 征集通知流水号
    valid_until DATE,                   -- 征集有效日期
    special_type VARCHAR,               -- 特殊缴费类型
    project_no VARCHAR,                 -- 工程项目编号
    item_code VARCHAR,
    item_name VARCHAR,                  -- 征收项目
    subitem_name VARCHAR,               -- 征收品目
    payer VARCHAR,                      -- unit | personal
    payer_name VARCHAR,
    period_start VARCHAR,
    period_end VARCHAR,
    headcount INTEGER,                  -- 缴费人数
    base_total DECIMAL(18,2),
    rate DECIMAL(12,6),
    amount DECIMAL(18,2),               -- 应缴费额
    back_pay BOOLEAN,
    status VARCHAR NOT NULL,            -- the bureau's: 未申报 | 申报中 | 已申报
    declaration_id VARCHAR,
    fetched_at TIMESTAMP NOT NULL
);

-- The lines of a row, downloaded once; `declare_lines_held` says which rows' lines are held and for
-- which figures (a row whose headcount, base total or amount changed has its lines dropped on load).
CREATE TABLE declare_lines (
    unit_id VARCHAR NOT NULL,
    prep_id VARCHAR NOT NULL,
    employee_id VARCHAR,
    name VARCHAR,
    id_type VARCHAR,
    id_number VARCHAR,
    person_number VARCHAR,
    item_code VARCHAR,
    payer VARCHAR,
    month VARCHAR,
    base DECIMAL(18,2),
    rate DECIMAL(12,6),
    amount DECIMAL(18,2)
);

CREATE TABLE declare_lines_held (
    unit_id VARCHAR NOT NULL,
    prep_id VARCHAR NOT NULL,
    headcount INTEGER,
    base_total DECIMAL(18,2),
    amount DECIMAL(18,2),
    line_count INTEGER NOT NULL,
    fetched_at TIMESTAMP NOT NULL
);

-- One row per submission: 提交中 (sent or about to be sent; the answer not recorded) or 已提交 (the
-- bureau's answer kept). `body` is the JSON sent, byte for byte the same on every re-send.
CREATE TABLE declare_submissions (
    unit_id VARCHAR NOT NULL,
    submit_key VARCHAR NOT NULL,        -- Idempotency-Key (32 hex)
    channel VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    total_due DECIMAL(18,2) NOT NULL,
    rows INTEGER NOT NULL,
    headcount INTEGER NOT NULL,
    state VARCHAR NOT NULL,             -- 提交中 | 已提交
    created_at TIMESTAMP NOT NULL,
    submission_id VARCHAR,
    answer VARCHAR,                     -- the bureau's answer (JSON) once recorded
    answered_at TIMESTAMP
);

CREATE TABLE declare_submission_rows (
    unit_id VARCHAR NOT NULL,
    submit_key VARCHAR NOT NULL,
    prep_id VARCHAR NOT NULL
);
