-- 011: anomaly strength of an alert. When a rule's query ends in an outlier, rare, first_seen
-- or beacon stage, its alerts keep the strongest measure of their rows: the z-score (outlier,
-- method zscore, or the modified z-score of method mad) as its absolute value, the count of the
-- rarest combination (rare), the regularity 1 - jitter (beacon), or nothing for first_seen
-- (which only says "never seen before"). Scoring turns it into the anomaly factor
-- (docs/scoring.md). NULL for alerts of other rules and for alerts written before this migration.
ALTER TABLE alerts ADD COLUMN measure DOUBLE;
ALTER TABLE alerts ADD COLUMN measure_kind VARCHAR;  -- zscore, mad, rarity, regularity, first_seen
