-- Idempotency records: the first answer to (caller, key), replayed for 24 hours (contracts: wire).
-- `caller` is the token's sha256 or, for anonymous calls, "addr:<client address>".
CREATE TABLE IF NOT EXISTS idempotency (
    caller VARCHAR NOT NULL, key VARCHAR NOT NULL, method VARCHAR NOT NULL, path VARCHAR NOT NULL,
    request_sha256 VARCHAR NOT NULL, unit_id VARCHAR, status INTEGER NOT NULL,
    content_type VARCHAR, body BLOB NOT NULL, created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (caller, key)
);
