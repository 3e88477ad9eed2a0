-- 010_text_checks.sql - free text is one line of text, whoever writes it.
--
-- wisp refuses control characters (C0 such as newline and ESC, DEL, C1
-- U+0080..U+009F) in names, notes, customers and provider fields where it
-- parses them (text_check in src/util.c); these CHECKs make psql and any
-- other client obey the same rule, so nothing stored can move a terminal's
-- cursor or forge a line in a report. A batch's note is at most 1,000
-- characters, as in wisp.
--
-- Rows stored before this migration get their control characters replaced
-- by U+FFFD (and notes cut to 1,000 characters) first: the constraints are
-- then valid for every row, so no later update of an old row fails on text
-- it did not touch.

DO $clean$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT * FROM (VALUES
        ('plans', 'rate_limit'), ('plans', 'profile'),
        ('batches', 'note'),
        ('orders', 'product'), ('orders', 'customer'), ('orders', 'extra'),
        ('orders', 'currency'), ('orders', 'payment_ref'), ('orders', 'provider_ref'),
        ('orders', 'pin'),
        ('routers', 'hotspot_server'), ('routers', 'login_url'), ('routers', 'key_path'))
        AS t(tab, col)
    LOOP
        EXECUTE format('UPDATE %I SET %I = regexp_replace(%I, %L, %L, %L) WHERE %I ~ %L',
                       c.tab, c.col, c.col, '[\x01-\x1f\x7f-\x9f]', U&'\FFFD', 'g',
                       c.col, '[\x01-\x1f\x7f-\x9f]');
    END LOOP;
END
$clean$;
UPDATE batches SET note = left(note, 1000) WHERE char_length(note) > 1000;

ALTER TABLE plans
    ADD CONSTRAINT plans_rate_limit_one_line CHECK (rate_limit !~ '[\x01-\x1f\x7f-\x9f]'),
    ADD CONSTRAINT plans_profile_one_line CHECK (profile !~ '[\x01-\x1f\x7f-\x9f]');

ALTER TABLE batches
    ADD CONSTRAINT batches_note_one_line
        CHECK (note !~ '[\x01-\x1f\x7f-\x9f]' AND char_length(note) <= 1000);

ALTER TABLE orders
    ADD CONSTRAINT orders_product_one_line CHECK (product !~ '[\x01-\x1f\x7f-\x9f]'),
    ADD CONSTRAINT orders_customer_one_line CHECK (customer !~ '[\x01-\x1f\x7f-\x9f]'),
    ADD CONSTRAINT orders_extra_one_line CHECK (extra !~ '[\x01-\x1f\x7f-\x9f]'),
    ADD CONSTRAINT orders_currency_one_line CHECK (currency !~ '[\x01-\x1f\x7f-\x9f]'),
    ADD CONSTRAINT orders_payment_ref_one_line CHECK (payment_ref !~ '[\x01-\x1f\x7f-\x9f]'),
    ADD CONSTRAINT orders_provider_ref_one_line CHECK (provider_ref !~ '[\x01-\x1f\x7f-\x9f]'),
    ADD CONSTRAINT orders_pin_one_line CHECK (pin !~ '[\x01-\x1f\x7f-\x9f]');

ALTER TABLE routers
    ADD CONSTRAINT routers_hotspot_server_one_line CHECK (hotspot_server !~ '[\x01-\x1f\x7f-\x9f]'),
    ADD CONSTRAINT routers_login_url_one_line CHECK (login_url !~ '[\x01-\x1f\x7f-\x9f]'),
    ADD CONSTRAINT routers_key_path_one_line CHECK (key_path !~ '[\x01-\x1f\x7f-\x9f]');
