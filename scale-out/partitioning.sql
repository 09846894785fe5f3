-- The partitioned layout of `cases`: by month of receipt (RANGE on reported_at), then by top-level
-- area (LIST on region_id, kept on the row): the areas one level under the installation's root —
-- the streets of a district installation like the demo, the districts of a city, the cities of a province. Keys of a partitioned
-- table must contain the partition columns, so the primary key is (id, reported_at, region_id) and
-- the case number is unique per (code, reported_at, region_id) — the number already embeds the day
-- and the grid, so this is as strict as before.
DROP TABLE IF EXISTS cases_p CASCADE;
CREATE TABLE cases_p (LIKE cases INCLUDING DEFAULTS, region_id integer NOT NULL) PARTITION BY RANGE (reported_at);
ALTER TABLE cases_p ADD PRIMARY KEY (id, reported_at, region_id);

DO $$
DECLARE
  m date;
  r record;
  month_table text;
BEGIN
  FOR m IN SELECT generate_series(date_trunc('month', (SELECT min(reported_at) FROM cases)),
                                  date_trunc('month', (SELECT max(reported_at) FROM cases)), interval '1 month')::date LOOP
    month_table := 'cases_p_' || to_char(m, 'YYYYMM');
    EXECUTE format('CREATE TABLE %I PARTITION OF cases_p FOR VALUES FROM (%L) TO (%L) PARTITION BY LIST (region_id)',
                   month_table, m, (m + interval '1 month')::date);
    FOR r IN SELECT id FROM areas WHERE parent_id = (SELECT id FROM areas WHERE level = 'district' ORDER BY id LIMIT 1) ORDER BY id LOOP
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (%s)', month_table || '_r' || r.id, month_table, r.id);
    END LOOP;
    EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', month_table || '_other', month_table);
  END LOOP;
END $$;

-- The region of each case: the street on its grid's path (/city/district/street/community/grid/).
INSERT INTO cases_p
SELECT c.*, split_part(a.path, '/', 4)::int
FROM cases c JOIN areas a ON a.id = c.grid_id;

CREATE INDEX cases_p_status_idx ON cases_p (status, reported_at);
CREATE INDEX cases_p_grid_idx ON cases_p (grid_id);
CREATE INDEX cases_p_holder_area_idx ON cases_p (holder_area_id, status);
ANALYZE cases_p;
