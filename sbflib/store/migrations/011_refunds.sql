-- 012: 单位退费申请管理 (manual 2.28). The unit's applications as last fetched from the bureau (the
-- page lists what is kept here; 刷新 fetches again), and the submissions whose answer is not known yet:
-- the body and the Idempotency-Key they were sent with, so sending them again applies once.
CREATE TABLE refund_applications (
    unit_id VARCHAR NOT NULL,
    refund_id VARCHAR NOT NULL,         -- 退费申请编号 (TF…)
    kind VARCHAR NOT NULL,              -- ticket | employee
    kind_name VARCHAR,                  -- 退费方式: 税票退费 | 职工明细退费
    status VARCHAR NOT NULL,            -- 待审核 | 已退库 | 审核不通过
    refund_type VARCHAR,                -- 退费原因
    reason VARCHAR,                     -- 退费申请理由
    account_name VARCHAR,               -- 退费银行账户名称
    bank_name VARCHAR,                  -- 退费银行
    account_masked VARCHAR,             -- 退费银行账户 (****6700)
    total DECIMAL(18,2),                -- 退费金额合计
    applied_at TIMESTAMP NOT NULL,      -- 申请日期 (local time)
    decided_at TIMESTAMP,
    result_reason VARCHAR,              -- 审核不通过的原因
    lines INTEGER,
    fetched_at TIMESTAMP NOT NULL,
    PRIMARY KEY (unit_id, refund_id)
);

CREATE TABLE refund_submissions (
    unit_id VARCHAR NOT NULL,
    submit_key VARCHAR NOT NULL,        -- the Idempotency-Key, kept until the bureau's answer is known
    body VARCHAR NOT NULL,              -- the JSON body exactly as sent
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (unit_id, submit_key)
);
