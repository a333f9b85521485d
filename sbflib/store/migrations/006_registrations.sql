-- 006: 单位参保信息 (per unit number and insured item) and 工程项目参保信息, as last fetched from the
-- bureau; each fetch replaces the unit's rows. `fetched_at` says when (an empty list stays empty:
-- the fetch marker is in registration_fetches).
CREATE TABLE insurance_registrations (
    unit_id VARCHAR NOT NULL,
    unit_number VARCHAR NOT NULL,       -- 单位编号
    agency VARCHAR,                     -- 社保经办机构
    tax_authority VARCHAR,              -- 主管税务机关
    item_code VARCHAR NOT NULL,
    item_name VARCHAR,                  -- 征收项目
    subitem_name VARCHAR,               -- 征收品目
    subitem_detail VARCHAR,             -- 征收子目 (often empty)
    collection_mode VARCHAR,            -- 征收方式
    start_month VARCHAR,                -- 参保起始年月 'YYYY-MM'
    insured INTEGER,                    -- 本月缴费人数
    unit_rate DECIMAL(12,6),            -- 单位费率
    personal_rate DECIMAL(12,6),        -- 个人费率
    status VARCHAR,                     -- 正常参保 | 暂停缴费
    fetched_at TIMESTAMP NOT NULL
);

CREATE TABLE projects (
    unit_id VARCHAR NOT NULL,
    project_no VARCHAR NOT NULL,        -- 项目编号
    project_name VARCHAR,
    unit_number VARCHAR,
    agency VARCHAR,
    address VARCHAR,
    contract_value DECIMAL(18,2),       -- 合同造价（元）
    monthly_payroll DECIMAL(18,2),      -- 月工资总额（元）
    workers INTEGER,
    start_date DATE,
    end_date DATE,
    status VARCHAR,
    registered_on DATE,
    fetched_at TIMESTAMP NOT NULL
);

CREATE TABLE registration_fetches (
    unit_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,              -- insurance | projects
    fetched_at TIMESTAMP NOT NULL,
    PRIMARY KEY (unit_id, kind)
);
