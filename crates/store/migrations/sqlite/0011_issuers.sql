-- Issuers are units (sqlite): decisions and reward decisions name the unit
-- that issued them, and keep what was printed about it (letterhead parent,
-- dateline place, the award's concrete title) as signed, so a later rename
-- of the unit does not rewrite a signed document.
ALTER TABLE decisions ADD COLUMN issuer_unit_id INTEGER REFERENCES units(id);
ALTER TABLE decisions ADD COLUMN issuer_parent TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN place TEXT NOT NULL DEFAULT '';
ALTER TABLE reward_decisions ADD COLUMN issuer_unit_id INTEGER REFERENCES units(id);
ALTER TABLE reward_decisions ADD COLUMN issuer_parent TEXT NOT NULL DEFAULT '';
ALTER TABLE reward_decisions ADD COLUMN place TEXT NOT NULL DEFAULT '';
ALTER TABLE reward_decisions ADD COLUMN title TEXT NOT NULL DEFAULT '';
-- The catalogue: a form's printed title names its issuing body
-- ("Giấy khen của Chủ tịch {cơ quan}"), and a form may be reserved to one
-- kind of unit (the Front's committee rather than any mass organisation).
ALTER TABLE reward_forms ADD COLUMN title_pattern TEXT NOT NULL DEFAULT 'Giấy khen của {cơ quan}';
ALTER TABLE reward_forms ADD COLUMN issuer_kind TEXT;
UPDATE reward_forms SET name = 'Giấy khen của Chủ tịch UBND cấp xã', title_pattern = 'Giấy khen của Chủ tịch {cơ quan}' WHERE code = 'gk-ubnd-xa';
UPDATE reward_forms SET name = 'Giấy khen của Đảng ủy cấp xã', title_pattern = 'Giấy khen của {cơ quan}' WHERE code = 'gk-dang-uy-xa';
UPDATE reward_forms SET name = 'Giấy khen của Ủy ban MTTQ Việt Nam cấp xã', title_pattern = 'Giấy khen của {cơ quan}', issuer_kind = 'mttq' WHERE code = 'gk-mttq-xa';
UPDATE reward_forms SET issuer_type = 'so_nganh', title_pattern = 'Giấy khen của Giám đốc {cơ quan}' WHERE code = 'gk-giam-doc-so';
UPDATE reward_forms SET title_pattern = 'Bằng khen của Chủ tịch {cơ quan}' WHERE code = 'bk-ubnd-tinh';
UPDATE reward_forms SET title_pattern = 'Bằng khen của Ban Thường vụ Tỉnh ủy' WHERE code = 'bk-btv-tinh-uy';
