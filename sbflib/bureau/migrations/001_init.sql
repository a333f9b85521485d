-- The bureau store as first shipped (schema version 1).
CREATE SEQUENCE IF NOT EXISTS change_seq START 1;
CREATE SEQUENCE IF NOT EXISTS notice_seq START 1;
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS regions (
    code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, modules VARCHAR[] NOT NULL
);
CREATE TABLE IF NOT EXISTS region_items (
    region VARCHAR, item_code VARCHAR, item_name VARCHAR, subitem_name VARCHAR,
    agency_kind VARCHAR, collection_mode VARCHAR, PRIMARY KEY (region, item_code)
);
CREATE TABLE IF NOT EXISTS units (
    unit_id VARCHAR PRIMARY KEY, taxpayer_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
    module VARCHAR NOT NULL, region VARCHAR NOT NULL, registered_on DATE, taxpayer_status VARCHAR,
    kind VARCHAR, tax_authority VARCHAR, tax_office VARCHAR,
    finance_officer VARCHAR, legal_representative VARCHAR, industry VARCHAR, enterprise_type VARCHAR,
    address VARCHAR, postcode VARCHAR, phone VARCHAR, email VARCHAR, listed VARCHAR
);
CREATE TABLE IF NOT EXISTS unit_numbers (
    unit_id VARCHAR NOT NULL, unit_number VARCHAR NOT NULL, agency VARCHAR NOT NULL,
    agency_kind VARCHAR NOT NULL, tax_authority VARCHAR NOT NULL, PRIMARY KEY (unit_id, unit_number)
);
-- 申报密码: scrypt hashes only. While `initial`, one row per accepted initial password.
CREATE TABLE IF NOT EXISTS unit_passwords (
    unit_id VARCHAR NOT NULL, salt BLOB NOT NULL, digest BLOB NOT NULL, initial BOOLEAN NOT NULL,
    set_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS unit_logins (
    unit_id VARCHAR PRIMARY KEY, failures INTEGER NOT NULL DEFAULT 0, locked_until TIMESTAMP
);
CREATE TABLE IF NOT EXISTS sessions (
    token_sha256 VARCHAR PRIMARY KEY, unit_id VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
-- 职工: no index besides the zone maps; bulk reads filter on unit_id / change_seq.
CREATE TABLE IF NOT EXISTS employees (
    unit_id VARCHAR NOT NULL, employee_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
    gender VARCHAR NOT NULL, id_type VARCHAR NOT NULL, id_number VARCHAR NOT NULL,
    birth_date DATE NOT NULL, start_month VARCHAR NOT NULL, stop_month VARCHAR,
    updated_at TIMESTAMP NOT NULL, change_seq BIGINT NOT NULL DEFAULT nextval('change_seq')
);
-- 参保险种: one row per employee, unit number and insured item.
CREATE TABLE IF NOT EXISTS employee_items (
    unit_id VARCHAR NOT NULL, employee_id VARCHAR NOT NULL, unit_number VARCHAR NOT NULL,
    agency VARCHAR NOT NULL, person_number VARCHAR NOT NULL, item_code VARCHAR NOT NULL,
    item_name VARCHAR NOT NULL, subitem_name VARCHAR NOT NULL, special_category VARCHAR NOT NULL,
    base DECIMAL(18,2) NOT NULL, start_month VARCHAR NOT NULL, stop_month VARCHAR,
    collection_mode VARCHAR NOT NULL
);
-- 城乡居民: only counted for now; the collector slice will use them.
CREATE TABLE IF NOT EXISTS residents (
    region VARCHAR NOT NULL, resident_id VARCHAR NOT NULL, name VARCHAR NOT NULL, gender VARCHAR NOT NULL,
    id_number VARCHAR NOT NULL, birth_date DATE NOT NULL
);
CREATE TABLE IF NOT EXISTS notices (
    notice_id BIGINT PRIMARY KEY DEFAULT nextval('notice_seq'), region VARCHAR NOT NULL,
    title VARCHAR NOT NULL, published DATE NOT NULL, body VARCHAR NOT NULL
);
