-- An entry's proposals, looked up by the entry (its history's appraisal
-- steps, its page): the unique key leads with the round, so without this a
-- lookup read every proposal.
CREATE INDEX proposals_entry ON proposals(entry_id);
