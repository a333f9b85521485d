-- 007: three-party agreements (单位三方协议, manual 2.18), tax certificates (税收完税证明, 2.14, 2.15,
-- 2.26) and refund applications (单位退费申请, 2.28). 缴费证明 (2.16, 2.17) are computed, not kept.
CREATE SEQUENCE IF NOT EXISTS agreement_seq START 1;
CREATE SEQUENCE IF NOT EXISTS certificate_seq START 1;
CREATE SEQUENCE IF NOT EXISTS refund_seq START 1;
-- 三方协议: status 未验证 / 验证通过 / 验证失败 / 协议终止 (ended_how 作废 or 撤销); batch_flag 费批扣 /
-- 所有批扣 / 所有非批扣. The account number is kept whole; the wire shows it masked too.
CREATE TABLE IF NOT EXISTS agreements (
    agreement_id VARCHAR PRIMARY KEY, unit_id VARCHAR NOT NULL, protocol_no VARCHAR NOT NULL,
    agreement_name VARCHAR NOT NULL, tax_authority VARCHAR NOT NULL, region_code VARCHAR NOT NULL,
    bank_code VARCHAR NOT NULL, clearing_bank_no VARCHAR NOT NULL, branch_no VARCHAR NOT NULL,
    account_name VARCHAR NOT NULL, account_no VARCHAR NOT NULL, batch_flag VARCHAR NOT NULL,
    status VARCHAR NOT NULL, verify_reason VARCHAR, verified_on DATE, ended_how VARCHAR,
    ended_at TIMESTAMP, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL
);
-- The simulated bank's next answers to a verification, planned by a demo call (tests steer it).
CREATE TABLE IF NOT EXISTS bank_plans (
    unit_id VARCHAR NOT NULL, purpose VARCHAR NOT NULL, outcome VARCHAR NOT NULL, reason VARCHAR,
    remaining INTEGER NOT NULL, planned_at TIMESTAMP NOT NULL
);
-- 税收完税证明（非印刷）: one per 电子税票 (payment) issued; `prints` counts 开具 + 补开.
CREATE TABLE IF NOT EXISTS tax_certificates (
    certificate_no VARCHAR PRIMARY KEY, unit_id VARCHAR NOT NULL, taxpayer_id VARCHAR NOT NULL,
    taxpayer_name VARCHAR NOT NULL, region_code VARCHAR NOT NULL, region_name VARCHAR NOT NULL,
    tax_authority VARCHAR NOT NULL, treasury VARCHAR NOT NULL, ticket_track VARCHAR NOT NULL,
    ticket_no VARCHAR NOT NULL, voucher_no VARCHAR NOT NULL, issued_on DATE NOT NULL,
    issued_at TIMESTAMP NOT NULL, issuer VARCHAR NOT NULL, total DECIMAL(18,2) NOT NULL,
    status VARCHAR NOT NULL, prints INTEGER NOT NULL, last_printed_at TIMESTAMP NOT NULL
);
-- Its lines (原凭证号, 税种, 品目名称, 税款所属时期, 入库日期, 实缴金额), as issued.
CREATE TABLE IF NOT EXISTS tax_certificate_items (
    certificate_no VARCHAR NOT NULL, seq INTEGER NOT NULL, item_key VARCHAR NOT NULL,
    voucher_no VARCHAR NOT NULL, item_code VARCHAR NOT NULL, item_name VARCHAR NOT NULL,
    subitem_name VARCHAR NOT NULL, period_start VARCHAR NOT NULL, period_end VARCHAR NOT NULL,
    paid_on DATE NOT NULL, arrived_on DATE NOT NULL, amount DECIMAL(18,2) NOT NULL
);
-- 单位退费申请: kind ticket (税票退费) / employee (职工明细退费); status 待审核 / 已退库 / 审核不通过.
CREATE TABLE IF NOT EXISTS refund_applications (
    refund_id VARCHAR PRIMARY KEY, unit_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, status VARCHAR NOT NULL,
    refund_type VARCHAR NOT NULL, reason VARCHAR NOT NULL, account_name VARCHAR NOT NULL,
    bank_name VARCHAR NOT NULL, account_no VARCHAR NOT NULL, total DECIMAL(18,2) NOT NULL,
    applied_at TIMESTAMP NOT NULL, due_at TIMESTAMP NOT NULL, decided_at TIMESTAMP, result_reason VARCHAR,
    planned_outcome VARCHAR, planned_reason VARCHAR
);
-- Its lines: what was paid (a ticket's item, or an employee's month of an item) and what is asked back.
CREATE TABLE IF NOT EXISTS refund_lines (
    refund_id VARCHAR NOT NULL, seq INTEGER NOT NULL, line_key VARCHAR NOT NULL, voucher_no VARCHAR NOT NULL,
    item_code VARCHAR NOT NULL, item_name VARCHAR NOT NULL, payer VARCHAR NOT NULL, employee_id VARCHAR,
    name VARCHAR, id_type VARCHAR, id_number VARCHAR, period_start VARCHAR NOT NULL,
    period_end VARCHAR NOT NULL, paid_amount DECIMAL(18,2) NOT NULL, amount DECIMAL(18,2) NOT NULL
);
