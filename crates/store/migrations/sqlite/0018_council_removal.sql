-- The organiser can take a member off the council before it concludes;
-- the seat is kept (with when and why) so the minutes can say whose
-- sheets were not counted.
ALTER TABLE council_members ADD COLUMN removed_at INTEGER;
ALTER TABLE council_members ADD COLUMN removed_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE rounds ADD COLUMN minutes_former TEXT NOT NULL DEFAULT '';
