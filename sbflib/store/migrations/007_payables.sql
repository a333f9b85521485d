-- 007: 社保费应缴信息 (manual 2.21) as last fetched from the bureau, per unit; `sync` replaces the
-- rows of the date range it fetched.
CREATE TABLE payables (
    unit_id VARCHAR NOT NULL,
    payable_id VARCHAR NOT NULL,        -- prep_id (初始) or <declaration_id>-<prep_id>
    prep_id VARCHAR NOT NULL,
    declaration_id VARCHAR,
    created_on DATE NOT NULL,           -- 申报生成日期
    status VARCHAR NOT NULL,            -- 初始 | 申报中 | 申报成功 | 销账 | 已生成待批扣清册
    source_code VARCHAR,
    source_name VARCHAR,                -- 数据来源
    kind VARCHAR,                       -- 申报类型
    unit_number VARCHAR,
    item_code VARCHAR,
    item_name VARCHAR,
    payer VARCHAR,
    period_start VARCHAR,
    period_end VARCHAR,
    headcount INTEGER,
    base_total DECIMAL(18,2),
    rate DECIMAL(9,6),
    amount DECIMAL(18,2),
    fetched_at TIMESTAMP NOT NULL
);
