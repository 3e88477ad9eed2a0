-- 004_metrics: what the current figures and the sales reports read often.
CREATE INDEX vouchers_sold_at ON vouchers (sold_at) WHERE sold_at IS NOT NULL;
CREATE INDEX vouchers_first_used_at ON vouchers (first_used_at) WHERE first_used_at IS NOT NULL;
CREATE INDEX orders_completed_at ON orders (completed_at) WHERE completed_at IS NOT NULL;
