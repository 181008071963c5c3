-- The sandbox issuer's call (migration 0008) as two set-based statements in plain SQL, not a
-- PL/pgSQL loop of two statements per code: its server-side cost per call no longer grows
-- with an order's codes by a statement start each, and no interpreter runs. The rules are
-- the same (services/voucher/adapters/issuer.py): a code ending 9999 fails every time, one
-- ending 9998 its first attempt only; fail_all fails everything; the codes are tried in
-- order until one is not voided, and only those tried are recorded.
--
-- A volatile SQL function takes a fresh snapshot for each of its statements, so the second
-- reads each code's history after the first holds the codes' locks: two calls sharing a
-- code decide one after the other, and "first attempt" means first. An order's codes are
-- distinct (the vouchers' primary key), so a call decides each code on the history before
-- it alone.

CREATE OR REPLACE FUNCTION sandbox_issuer.void_in_order(
    codes text[], request_ids text[], fail_all boolean
)
RETURNS TABLE (void_code text, is_voided boolean, answer text)
LANGUAGE sql VOLATILE
BEGIN ATOMIC
    -- locked in code order, so two calls sharing codes never deadlock
    SELECT pg_advisory_xact_lock(hashtext(c)) FROM unnest(codes) AS c ORDER BY c;
    INSERT INTO sandbox_issuer.void_attempts (code, request_id, succeeded, detail)
    SELECT tried.code, tried.request_id, tried.voided, tried.answer
    FROM (
        SELECT t.ord, t.code, t.request_id, d.voided, d.answer,
               -- every code before this one voided (none before the first)
               bool_and(d.voided) OVER (
                   ORDER BY t.ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
               ) AS all_before_voided
        FROM unnest(codes, request_ids) WITH ORDINALITY AS t (code, request_id, ord)
        CROSS JOIN LATERAL (
            SELECT count(*) AS tries, coalesce(bool_or(a.succeeded), false) AS was_voided
            FROM sandbox_issuer.void_attempts a WHERE a.code = t.code
        ) AS h
        CROSS JOIN LATERAL (
            SELECT * FROM (VALUES (
                CASE
                    WHEN fail_all THEN false
                    WHEN t.code LIKE '%9999' THEN false
                    WHEN t.code LIKE '%9998' AND h.tries = 0 THEN false
                    ELSE true
                END,
                CASE
                    WHEN fail_all THEN 'issuer unavailable (sandbox: fail_all)'
                    WHEN t.code LIKE '%9999'
                        THEN 'issuer refused the void (sandbox: code ends 9999)'
                    WHEN t.code LIKE '%9998' AND h.tries = 0
                        THEN 'issuer timed out (sandbox: first try of a code ending 9998)'
                    WHEN h.was_voided THEN 'already voided'
                    ELSE 'voided'
                END
            )) AS v (voided, answer)
        ) AS d
    ) AS tried
    WHERE tried.all_before_voided IS NOT FALSE
    ORDER BY tried.ord  -- recorded, and answered, in the call's order
    RETURNING code, succeeded, detail;
END;
