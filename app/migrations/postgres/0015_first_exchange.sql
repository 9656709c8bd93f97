-- When each trust policy was first used: the Stale view suggests revoking the static tokens of
-- an account that has been exchanging identity tokens for 30 days, once those tokens have been
-- idle since. Policies used before this column existed count from their last exchange, the
-- earliest use still known (so they are suggested later rather than too early).
ALTER TABLE trust_policies ADD COLUMN first_exchange_at BIGINT;
UPDATE trust_policies SET first_exchange_at = last_exchange_at;
