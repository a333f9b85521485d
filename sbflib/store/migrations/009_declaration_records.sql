-- 009: 社保费申报记录 (manual 2.10), 工程项目社保费申报记录 (2.24) and 社保费申报明细 (2.20): the records
-- as last fetched from the bureau, the rows each declared (fetched once: they never change), the
-- per-employee lines of a declaration as declared (downloaded once, kept locally), and the voids
-- sent or about to be sent with their Idempotency-Key, so a void whose answer was lost is sent
-- again with the same key (the bureau voids once).
CREATE TABLE declaration_records (
    unit_id VARCHAR NOT NULL,
    declaration_id VARCHAR NOT NULL,
    submission_id VARCHAR,
    kind VARCHAR NOT NULL,              -- fees (日常 / 特殊 / 核定) | project (工程项目)
    channel VARCHAR NOT NULL,           -- daily | special | assessed | project
    source_code VARCHAR,
    source_name VARCHAR,                -- 数据来源
    tax_authority VARCHAR,              -- 主管税务机关
    status VARCHAR NOT NULL,            -- 待反馈 | 申报成功 | 申报失败 | 作废中 | 已作废
    reason VARCHAR,                     -- 申报失败的原因
    submitted_at TIMESTAMP NOT NULL,    -- 申报日期 (Beijing time)
    decided_at TIMESTAMP,
    rows INTEGER,
    headcount INTEGER,                  -- 缴费人数
    total_due DECIMAL(18,2),            -- 应缴费额合计
    voucher_no VARCHAR,                 -- 应征凭证序号
    pay_status VARCHAR,                 -- 未缴费 | 已缴费 | 已生成待批扣清册 | 无需缴费
    void_requested_at TIMESTAMP,
    void_decided_at TIMESTAMP,
    void_reason VARCHAR,                -- why a void did not take (paid meanwhile)
    period_start VARCHAR,
    period_end VARCHAR,
    fetched_at TIMESTAMP NOT NULL,
    rows_fetched BOOLEAN NOT NULL DEFAULT FALSE,
    lines_fetched BOOLEAN NOT NULL DEFAULT FALSE,
    line_count INTEGER
);

CREATE TABLE declaration_record_rows (
    unit_id VARCHAR NOT NULL,
    declaration_id VARCHAR NOT NULL,
    pos INTEGER NOT NULL,               -- the bureau's order
    prep_id VARCHAR NOT NULL,
    group_key VARCHAR,
    channel VARCHAR,
    source_code VARCHAR,
    source_name VARCHAR,
    unit_number VARCHAR,                -- 单位编号
    agency VARCHAR,                     -- 社保经办机构
    notice_no VARCHAR,                  -- 征集通知流水号
    valid_until VARCHAR,
    special_type VARCHAR,               -- 特殊缴费类型
    project_no VARCHAR,                 -- 工程项目编号
    item_code VARCHAR,
    item_name VARCHAR,                  -- 征收项目
    subitem_name VARCHAR,               -- 征收品目
    payer VARCHAR,                      -- unit | personal
    payer_name VARCHAR,
    period_start VARCHAR,
    period_end VARCHAR,
    headcount INTEGER,
    base_total DECIMAL(18,2),
    rate DECIMAL(12,6),
    amount DECIMAL(18,2)
);

CREATE TABLE declared_lines (
    unit_id VARCHAR NOT NULL,
    declaration_id VARCHAR NOT NULL,
    prep_id VARCHAR NOT NULL,
    employee_id VARCHAR,
    name VARCHAR,
    id_type VARCHAR,
    id_number VARCHAR,
    person_number VARCHAR,
    item_code VARCHAR,
    payer VARCHAR,
    month VARCHAR,                      -- 费款所属期 'YYYY-MM'
    base DECIMAL(18,2),
    rate DECIMAL(12,6),
    amount DECIMAL(18,2)
);

CREATE TABLE declaration_voids (
    unit_id VARCHAR NOT NULL,
    declaration_id VARCHAR NOT NULL,
    void_key VARCHAR NOT NULL,          -- Idempotency-Key (32 hex) of this void, until its answer is known
    requested_at TIMESTAMP NOT NULL
);
