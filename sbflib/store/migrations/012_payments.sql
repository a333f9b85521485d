-- 013: 缴费 (manual 2.11), 缴费凭证打印记录 (2.12) and 缴费记录 (2.13) on the client.
-- A payment is kept with its Idempotency-Key and the exact body BEFORE it is sent (state 提交中), so a
-- lost answer or a restart re-sends the same body with the same key (the bureau pays once). The
-- declaration password is never kept: it travels in a header and is asked again for a re-send.
CREATE TABLE pay_submissions (
    unit_id VARCHAR NOT NULL,
    pay_key VARCHAR NOT NULL,           -- Idempotency-Key (32 hex)
    method VARCHAR NOT NULL,            -- agreement | voucher
    body VARCHAR NOT NULL,              -- the JSON sent, the same on every re-send
    total DECIMAL(18,2) NOT NULL,
    items INTEGER NOT NULL,
    state VARCHAR NOT NULL,             -- 提交中 | 已提交
    created_at TIMESTAMP NOT NULL,
    payment_id VARCHAR,
    status VARCHAR,                     -- the payment's status once answered
    answered_at TIMESTAMP
);

-- 缴费记录 as the bureau sent them (after a payment, an unlock or 同步); items as JSON.
CREATE TABLE pay_records (
    unit_id VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    payment_id VARCHAR,
    declaration_id VARCHAR,
    voucher_no VARCHAR,                 -- 应征凭证序号
    channel VARCHAR,                    -- 三方协议 | 银行端凭证 | 其他渠道
    method VARCHAR,
    status VARCHAR NOT NULL,            -- 缴费成功 | 缴费失败 | 锁定
    reason VARCHAR,                     -- 缴费失败的原因
    unlock_result VARCHAR,              -- 缴费成功 | 扣费失败
    tax_authority VARCHAR,
    period_start VARCHAR,
    period_end VARCHAR,
    amount DECIMAL(18,2) NOT NULL,
    late_fee DECIMAL(18,2) NOT NULL,
    total DECIMAL(18,2) NOT NULL,
    bank_name VARCHAR,
    account_masked VARCHAR,
    bank_serial VARCHAR,
    bank_voucher_no VARCHAR,
    created_at TIMESTAMP,
    decided_at TIMESTAMP,
    unlocked_at TIMESTAMP,
    paid_on DATE,
    items VARCHAR,                      -- JSON list of the items (申报明细)
    fetched_at TIMESTAMP NOT NULL
);

-- 银行端缴费凭证 printed here or synced (其他渠道); `wire` the bureau's voucher as JSON.
CREATE TABLE pay_vouchers (
    unit_id VARCHAR NOT NULL,
    voucher_no VARCHAR NOT NULL,        -- 银行端查询缴税凭证序号
    channel VARCHAR,                    -- 客户端 | 其他渠道
    status VARCHAR NOT NULL,            -- 未缴费 | 已缴费 | 已作废 | 已过期
    issued_at TIMESTAMP,
    issued_on DATE,                     -- 开具日期 (the query form's)
    valid_until DATE,                   -- 税款缴款日期
    amount DECIMAL(18,2) NOT NULL,
    late_fee DECIMAL(18,2) NOT NULL,
    total DECIMAL(18,2) NOT NULL,
    tax_authority VARCHAR,
    payer_name VARCHAR,
    payer_account VARCHAR,
    payer_bank VARCHAR,
    period_start VARCHAR,
    period_end VARCHAR,
    voided_at TIMESTAMP,
    paid_at TIMESTAMP,
    payment_id VARCHAR,
    wire VARCHAR NOT NULL,
    fetched_at TIMESTAMP NOT NULL
);

-- The PDF of a voucher's first print, kept byte for byte: 重新打印 returns it (never regenerated).
CREATE TABLE pay_voucher_pdfs (
    unit_id VARCHAR NOT NULL,
    voucher_no VARCHAR NOT NULL,
    pdf BLOB NOT NULL,
    sha256 VARCHAR NOT NULL,
    printed_at TIMESTAMP NOT NULL,
    reprints INTEGER NOT NULL DEFAULT 0
);

-- 人工录入账户账号信息: payer accounts the clerk typed in for vouchers.
CREATE TABLE pay_payer_accounts (
    unit_id VARCHAR NOT NULL,
    payer_name VARCHAR NOT NULL,
    payer_account VARCHAR NOT NULL,
    payer_bank VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);
