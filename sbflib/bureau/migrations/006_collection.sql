-- 006: the 征收子系统 (manual 2.11-2.13, 2.22): payments, bank vouchers, arrivals (到账).
-- Arrears (欠费) are not stored: they are the rows of successful declarations that no successful
-- payment item covers yet (sbflib/bureau/collection.py).
CREATE SEQUENCE IF NOT EXISTS payment_seq START 1;
CREATE SEQUENCE IF NOT EXISTS payment_record_seq START 1;
CREATE SEQUENCE IF NOT EXISTS bank_voucher_seq START 1;
CREATE SEQUENCE IF NOT EXISTS arrival_seq START 1;
-- Which units' demo history (vouchers and payments made in other channels) was generated (a demo
-- reset forgets it; it is generated again on the next read).
CREATE TABLE IF NOT EXISTS collection_units (
    unit_id VARCHAR PRIMARY KEY, generated_at TIMESTAMP NOT NULL
);
-- The simulated bank's answer to a 三方协议 deduction, per unit (demo setting; default success).
CREATE TABLE IF NOT EXISTS bank_behaviour (
    unit_id VARCHAR PRIMARY KEY, outcome VARCHAR NOT NULL, reason VARCHAR, unlock_outcome VARCHAR NOT NULL,
    unlock_reason VARCHAR
);
-- One payment request (POST /units/{id}/payments): its key answers a retry with the first answer.
CREATE TABLE IF NOT EXISTS payments (
    payment_id VARCHAR PRIMARY KEY, unit_id VARCHAR NOT NULL, method VARCHAR NOT NULL,
    agreement_id VARCHAR, bank_name VARCHAR, account_name VARCHAR, account_masked VARCHAR,
    voucher_no VARCHAR, amount DECIMAL(18,2) NOT NULL, late_fee DECIMAL(18,2) NOT NULL,
    total DECIMAL(18,2) NOT NULL, created_at TIMESTAMP NOT NULL, idempotency_key VARCHAR,
    body_sha256 VARCHAR NOT NULL
);
-- 缴费记录: one per payment and 应征凭证序号 (declaration); also those made in other channels.
-- status 缴费成功 / 缴费失败 / 锁定; unlock_result 缴费成功 / 扣费失败 once a 锁定 record is unlocked.
CREATE TABLE IF NOT EXISTS payment_records (
    record_id VARCHAR PRIMARY KEY, payment_id VARCHAR, unit_id VARCHAR NOT NULL, declaration_id VARCHAR,
    voucher_no VARCHAR NOT NULL, channel VARCHAR NOT NULL, method VARCHAR NOT NULL, status VARCHAR NOT NULL,
    reason VARCHAR, unlock_result VARCHAR, tax_authority VARCHAR NOT NULL, period_start VARCHAR NOT NULL,
    period_end VARCHAR NOT NULL, amount DECIMAL(18,2) NOT NULL, late_fee DECIMAL(18,2) NOT NULL,
    total DECIMAL(18,2) NOT NULL, bank_name VARCHAR, account_masked VARCHAR, bank_serial VARCHAR,
    bank_voucher_no VARCHAR, created_at TIMESTAMP NOT NULL, decided_at TIMESTAMP, unlocked_at TIMESTAMP,
    unlock_key VARCHAR, paid_on DATE
);
-- The items (declared rows) a payment record pays.
CREATE TABLE IF NOT EXISTS payment_items (
    record_id VARCHAR NOT NULL, unit_id VARCHAR NOT NULL, declaration_id VARCHAR, prep_id VARCHAR NOT NULL,
    unit_number VARCHAR NOT NULL, agency VARCHAR NOT NULL, item_code VARCHAR NOT NULL, item_name VARCHAR NOT NULL,
    subitem_name VARCHAR NOT NULL, payer VARCHAR NOT NULL, period_start VARCHAR NOT NULL,
    period_end VARCHAR NOT NULL, headcount INTEGER NOT NULL, amount DECIMAL(18,2) NOT NULL,
    late_fee DECIMAL(18,2) NOT NULL, pay_by DATE, is_deferrable BOOLEAN NOT NULL
);
-- 银行端缴费凭证 (银行端查询缴税凭证): status 未缴费 / 已缴费 / 已作废; valid until `valid_until`.
CREATE TABLE IF NOT EXISTS bank_vouchers (
    voucher_no VARCHAR PRIMARY KEY, unit_id VARCHAR NOT NULL, payment_id VARCHAR, channel VARCHAR NOT NULL,
    status VARCHAR NOT NULL, issued_at TIMESTAMP NOT NULL, valid_until DATE NOT NULL,
    amount DECIMAL(18,2) NOT NULL, late_fee DECIMAL(18,2) NOT NULL, total DECIMAL(18,2) NOT NULL,
    taxpayer_id VARCHAR NOT NULL, taxpayer_name VARCHAR NOT NULL, tax_authority VARCHAR NOT NULL,
    tax_authority_code VARCHAR NOT NULL, payer_name VARCHAR, payer_account VARCHAR, payer_bank VARCHAR,
    period_start VARCHAR NOT NULL, period_end VARCHAR NOT NULL, voided_at TIMESTAMP, void_key VARCHAR,
    paid_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS bank_voucher_items (
    voucher_no VARCHAR NOT NULL, declaration_id VARCHAR, levy_no VARCHAR NOT NULL, prep_id VARCHAR NOT NULL,
    unit_number VARCHAR NOT NULL, agency VARCHAR NOT NULL, item_code VARCHAR NOT NULL, item_name VARCHAR NOT NULL,
    subitem_name VARCHAR NOT NULL, payer VARCHAR NOT NULL, period_start VARCHAR NOT NULL,
    period_end VARCHAR NOT NULL, headcount INTEGER NOT NULL, amount DECIMAL(18,2) NOT NULL,
    late_fee DECIMAL(18,2) NOT NULL, pay_by DATE, is_deferrable BOOLEAN NOT NULL
);
-- 到账信息: one per item paid into the treasury (入库) and passed on to the fund (到账).
CREATE TABLE IF NOT EXISTS arrivals (
    arrival_id VARCHAR PRIMARY KEY, unit_id VARCHAR NOT NULL, record_id VARCHAR NOT NULL, voucher_no VARCHAR NOT NULL,
    declaration_id VARCHAR, unit_number VARCHAR NOT NULL, agency VARCHAR NOT NULL, item_code VARCHAR NOT NULL,
    item_name VARCHAR NOT NULL, subitem_name VARCHAR NOT NULL, payer VARCHAR NOT NULL,
    period_start VARCHAR NOT NULL, period_end VARCHAR NOT NULL, amount DECIMAL(18,2) NOT NULL,
    late_fee DECIMAL(18,2) NOT NULL, paid_on DATE NOT NULL, arrived_on DATE NOT NULL, channel VARCHAR NOT NULL,
    tax_authority VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL
);
