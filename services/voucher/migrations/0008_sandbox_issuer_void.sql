-- The sandbox issuer answers a call in one round trip, as an outside system answers one
-- request: this function locks the codes, reads their history, decides and records each
-- attempt, in the caller's statement (its own transaction). Its rules are the sandbox's
-- documented test codes (services/voucher/adapters/issuer.py): a code ending 9999 fails
-- every time, one ending 9998 its first attempt only; fail_all fails everything.

CREATE FUNCTION sandbox_issuer.void_in_order(codes text[], request_ids text[], fail_all boolean)
RETURNS TABLE (void_code text, is_voided boolean, answer text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    tries bigint;
    was_voided boolean;
BEGIN
    -- one decision per code at a time, so "first attempt" means first (locked in code
    -- order, so two calls sharing codes never deadlock); each statement below reads
    -- afresh (a volatile function's own snapshot), after the locks are held
    PERFORM pg_advisory_xact_lock(hashtext(c)) FROM unnest(codes) AS c ORDER BY c;
    FOR i IN 1 .. coalesce(array_length(codes, 1), 0) LOOP
        void_code := codes[i];
        SELECT count(*), coalesce(bool_or(a.succeeded), false) INTO tries, was_voided
            FROM sandbox_issuer.void_attempts a WHERE a.code = codes[i];
        IF fail_all THEN
            is_voided := false;
            answer := 'issuer unavailable (sandbox: fail_all)';
        ELSIF codes[i] LIKE '%9999' THEN
            is_voided := false;
            answer := 'issuer refused the void (sandbox: code ends 9999)';
        ELSIF codes[i] LIKE '%9998' AND tries = 0 THEN
            is_voided := false;
            answer := 'issuer timed out (sandbox: first try of a code ending 9998)';
        ELSE
            is_voided := true;
            answer := CASE WHEN was_voided THEN 'already voided' ELSE 'voided' END;
        END IF;
        INSERT INTO sandbox_issuer.void_attempts (code, request_id, succeeded, detail)
            VALUES (codes[i], request_ids[i], is_voided, answer);
        RETURN NEXT;
        EXIT WHEN NOT is_voided;  -- in order, until one is not voided
    END LOOP;
END
$$;
