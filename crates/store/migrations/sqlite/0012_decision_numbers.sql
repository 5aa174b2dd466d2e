-- A body numbers its decisions once: no two recognition (or reward)
-- decisions of the same issuing unit share a number.
CREATE UNIQUE INDEX decisions_issuer_number ON decisions (issuer_unit_id, number) WHERE issuer_unit_id IS NOT NULL;
CREATE UNIQUE INDEX reward_decisions_issuer_number ON reward_decisions (issuer_unit_id, number) WHERE issuer_unit_id IS NOT NULL;
