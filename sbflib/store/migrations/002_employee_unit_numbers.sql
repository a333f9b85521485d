-- 002: each employee's unit numbers (单位编号, comma-separated) kept on the employee row, filled
-- when the roster is loaded, so a page of the roster and its export need not aggregate the items.
ALTER TABLE employees ADD COLUMN unit_numbers VARCHAR;
UPDATE employees SET unit_numbers = agg.unit_numbers
FROM (SELECT unit_id, employee_id, string_agg(DISTINCT unit_number, ',' ORDER BY unit_number) AS unit_numbers
      FROM employee_items GROUP BY unit_id, employee_id) agg
WHERE employees.unit_id = agg.unit_id AND employees.employee_id = agg.employee_id;
