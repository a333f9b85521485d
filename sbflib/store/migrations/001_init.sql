-- 001: settings, units, the employee roster, groups and update runs.
CREATE TABLE settings (key VARCHAR PRIMARY KEY, value VARCHAR);

CREATE TABLE units (
    unit_id VARCHAR PRIMARY KEY,
    module VARCHAR NOT NULL,            -- employer | collector
    taxpayer_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    tax_authority VARCHAR,              -- 主管税务机关
    tax_office VARCHAR,                 -- 主管科所分局
    remark VARCHAR NOT NULL DEFAULT '',
    added_at TIMESTAMP NOT NULL,
    roster_cursor BIGINT,               -- the bureau's change cursor after the last update; NULL = never
    last_sync_at TIMESTAMP,
    profile_json VARCHAR                -- 单位信息 as last fetched
);

CREATE TABLE unit_numbers (
    unit_id VARCHAR NOT NULL,
    unit_number VARCHAR NOT NULL,       -- 单位编号
    agency VARCHAR,                     -- 社保经办机构
    tax_authority VARCHAR
);

-- The roster as the bureau sent it. No keys: bulk loads go through Arrow and keys would slow them.
CREATE TABLE employees (
    unit_id VARCHAR NOT NULL,
    employee_id VARCHAR NOT NULL,
    name VARCHAR,
    gender VARCHAR,
    id_type VARCHAR,
    id_number VARCHAR,
    birth_date DATE,
    start_month VARCHAR,
    stop_month VARCHAR,
    updated_at TIMESTAMP,
    change_seq BIGINT
);

CREATE TABLE employee_items (
    unit_id VARCHAR NOT NULL,
    employee_id VARCHAR NOT NULL,
    unit_number VARCHAR,
    agency VARCHAR,
    person_number VARCHAR,              -- 人员编号
    item_code VARCHAR,                  -- 征收项目代码
    item_name VARCHAR,                  -- 征收项目
    subitem_name VARCHAR,               -- 征收品目
    special_category VARCHAR,           -- 参保人员特殊类别
    base DECIMAL(18,2),                 -- 缴费基数
    start_month VARCHAR,
    stop_month VARCHAR,
    collection_mode VARCHAR
);

-- Local only: the unit's own grouping of employees (分组), kept across full updates.
CREATE SEQUENCE group_ids START 1;
CREATE TABLE employee_groups (
    unit_id VARCHAR NOT NULL,
    group_id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    parent_id INTEGER
);
CREATE TABLE employee_group_members (
    unit_id VARCHAR NOT NULL,
    employee_id VARCHAR NOT NULL,
    group_id INTEGER NOT NULL
);

CREATE SEQUENCE sync_ids START 1;
CREATE TABLE sync_runs (
    sync_id INTEGER NOT NULL,
    unit_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,              -- 增量更新 | 全量更新
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    received INTEGER,
    changed INTEGER,
    cursor BIGINT
);
CREATE TABLE sync_changes (sync_id INTEGER NOT NULL, employee_id VARCHAR NOT NULL);

CREATE TABLE notices (
    region VARCHAR NOT NULL,
    notice_id INTEGER NOT NULL,
    title VARCHAR,
    published VARCHAR,
    body VARCHAR
);

CREATE TABLE rule_files (
    region VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    version VARCHAR,
    updated VARCHAR,
    body VARCHAR
);
