-- 005: the audit trail (操作日志): one row per logical call that changed something at the bureau,
-- merged by idempotency key (a retry of the same call, even after a restart, is the same row).
-- Secrets never reach this table: request and response are redacted JSON (sbflib/gateway/audit.py).
CREATE SEQUENCE audit_log_seq START 1;
CREATE TABLE audit_log (
    seq BIGINT DEFAULT nextval('audit_log_seq'),  -- arrival order (several calls share a second)
    record_id VARCHAR NOT NULL,         -- the idempotency key, or a fresh id when a call had none (unique:
                                        -- kept by the service, no index so that merging updates stay simple)
    called_at TIMESTAMP NOT NULL,             -- when the call (its first run) started, local time
    last_at TIMESTAMP,                  -- when its last run started (differs after a retry)
    duration_ms BIGINT,
    unit_id VARCHAR,
    operation VARCHAR NOT NULL,         -- 缴费工资申报, 修改申报密码, 登录 ...
    method VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    idempotency_key VARCHAR,
    attempts INTEGER,
    runs INTEGER,                       -- how many times the client ran the call (1 unless resent with its key)
    request VARCHAR,                    -- the fields sent, JSON, redacted
    outcome VARCHAR NOT NULL,           -- 成功 | 失败 | 结果未知
    status INTEGER,
    code VARCHAR,
    message VARCHAR,
    result_id VARCHAR,
    response VARCHAR,                   -- the bureau's answer, JSON, redacted
    reports VARCHAR                     -- ids of the reports merged here, comma-separated (a report
                                        -- written again after a crash is recognised and skipped)
);
