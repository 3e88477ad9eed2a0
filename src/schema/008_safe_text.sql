-- 008_safe_text.sql - the text that wisp sends to routers holds only
-- characters that need no quoting on a router, in sh, in a URL or in CSV
-- (docs/schema.md, "Safe text"). Codes (the hotspot user names), passwords,
-- charsets and prefixes: letters, digits, - _ and . ; MACs: six upper-case hex
-- pairs with colons, as RouterOS prints them. wisp's drivers quote every value
-- anyway (src/quote.c); these CHECKs make a value typed into psql, or a
-- program other than wisp, meet the same rule as `wisp voucher create`.
--
-- Columns filled from what routers report are not held to the code rule: a
-- router may have users wisp did not make ("John Smith"), and one odd name
-- must not fail a whole import. So sessions.username has no CHECK (it is
-- quoted when it goes back in a kick), and sessions.mac takes '' for a MAC
-- the worker cannot read (the worker normalises before it writes).
--
-- Rows from before this migration: MACs are normalised here. Any other row
-- that breaks a rule stays (a sold code in a customer's hand keeps working
-- and can still be sold, used, disabled and expire): its CHECK becomes "the
-- rule, or a row from before" (id up to the largest now), left NOT VALID,
-- and `wisp db migrate` prints a note naming the rule.

-- A MAC in any of the spellings people and routers use, six hex pairs
-- separated by all ':', all '-' or nothing, as AA:BB:CC:00:11:22; NULL for
-- anything else. The same rule as mac_normalize() in src/quote.c.
CREATE FUNCTION mac_normal(m text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE WHEN m ~ '^[0-9A-Fa-f]{2}(([:-]?)[0-9A-Fa-f]{2})(\2[0-9A-Fa-f]{2}){4}$' THEN
        (SELECT string_agg(substr(h, i, 2), ':' ORDER BY i)
           FROM (SELECT upper(translate(m, ':-', '')) AS h) x, generate_series(1, 11, 2) i)
    END
$$;

UPDATE vouchers SET mac = mac_normal(mac)
    WHERE mac_normal(mac) IS NOT NULL AND mac <> mac_normal(mac);
UPDATE vouchers SET mac = NULL WHERE mac = '';
UPDATE sessions SET mac = mac_normal(mac)
    WHERE mac_normal(mac) IS NOT NULL AND mac <> mac_normal(mac);

ALTER TABLE vouchers
    ADD CONSTRAINT vouchers_code_safe CHECK (code ~ '^[A-Za-z0-9._-]{4,48}$') NOT VALID,
    ADD CONSTRAINT vouchers_password_safe CHECK (password ~ '^[A-Za-z0-9._-]{4,48}$') NOT VALID,
    ADD CONSTRAINT vouchers_mac_normal CHECK (mac ~ '^([0-9A-F]{2}:){5}[0-9A-F]{2}$') NOT VALID;
ALTER TABLE batches
    ADD CONSTRAINT batches_charset_safe CHECK (charset ~ '^[A-Za-z0-9._-]{2,65}$') NOT VALID,
    ADD CONSTRAINT batches_prefix_safe CHECK (prefix ~ '^[A-Za-z0-9._-]{0,16}$') NOT VALID;
ALTER TABLE sessions
    ADD CONSTRAINT sessions_mac_normal
        CHECK (mac = '' OR mac ~ '^([0-9A-F]{2}:){5}[0-9A-F]{2}$') NOT VALID;

COMMENT ON CONSTRAINT vouchers_code_safe ON vouchers IS
    'voucher codes are 4 to 48 letters, digits, - _ or .';
COMMENT ON CONSTRAINT vouchers_password_safe ON vouchers IS
    'voucher passwords are 4 to 48 letters, digits, - _ or .';
COMMENT ON CONSTRAINT vouchers_mac_normal ON vouchers IS
    'a voucher''s MAC is six hex pairs as AA:BB:CC:00:11:22';
COMMENT ON CONSTRAINT batches_charset_safe ON batches IS
    'a batch''s charset is 2 to 65 letters, digits, - _ or .';
COMMENT ON CONSTRAINT batches_prefix_safe ON batches IS
    'a batch''s prefix is up to 16 letters, digits, - _ or .';
COMMENT ON CONSTRAINT sessions_mac_normal ON sessions IS
    'a session''s MAC is empty or six hex pairs as AA:BB:CC:00:11:22';

-- Validate each CHECK the existing rows meet; the others hold for new rows
-- and spare the rows from before (006's wisp_check_spare_old).
SELECT wisp_check_spare_old('batches', 'batches_charset_safe');
SELECT wisp_check_spare_old('batches', 'batches_prefix_safe');
SELECT wisp_check_spare_old('sessions', 'sessions_mac_normal');
SELECT wisp_check_spare_old('vouchers', 'vouchers_code_safe');
SELECT wisp_check_spare_old('vouchers', 'vouchers_mac_normal');
SELECT wisp_check_spare_old('vouchers', 'vouchers_password_safe');
