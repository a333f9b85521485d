-- 003: the 征收子目 of each insured item (manual 2.2.2 六, 职工参保明细), sent in the roster stream.
-- Rows of an existing store keep their data and have no 征收子目 (NULL) until reseeded.
ALTER TABLE employee_items ADD COLUMN subitem_detail VARCHAR;
