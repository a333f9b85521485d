-- 010: 社保费到账信息 (manual 2.22) as last fetched from the bureau, per unit; `sync` replaces the
-- rows of the 到账日期 range it fetched.
CREATE TABLE arrivals (
    unit_id VARCHAR NOT NULL,
    arrival_id VARCHAR NOT NULL,
    voucher_no VARCHAR,                 -- 应征凭证序号
    declaration_id VARCHAR,
    unit_number VARCHAR,                -- 单位编号
    agency VARCHAR,                     -- 社保经办机构
    item_code VARCHAR,
    item_name VARCHAR,                  -- 征收项目
    subitem_name VARCHAR,               -- 征收品目
    payer VARCHAR,                      -- unit | personal
    period_start VARCHAR,               -- 费款所属期起
    period_end VARCHAR,                 -- 费款所属期止
    amount DECIMAL(18,2) NOT NULL,      -- 缴费金额
    late_fee DECIMAL(18,2) NOT NULL,    -- 滞纳金
    paid_on DATE,                       -- 缴款日期
    arrived_on DATE NOT NULL,           -- 到账日期
    channel VARCHAR,                    -- 缴费渠道
    tax_authority VARCHAR,              -- 主管税务机关
    status VARCHAR,                     -- 到账状态 (已到账)
    fetched_at TIMESTAMP NOT NULL
);
