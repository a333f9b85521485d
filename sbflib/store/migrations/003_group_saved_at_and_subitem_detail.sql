-- 003: when each group was last saved (保存时间, shown in the group dialog), and the 征收子目 of each
-- insured item (manual 2.2.2 六), kept when the bureau sends it.
ALTER TABLE employee_groups ADD COLUMN saved_at TIMESTAMP;
ALTER TABLE employee_items ADD COLUMN subitem_detail VARCHAR;
