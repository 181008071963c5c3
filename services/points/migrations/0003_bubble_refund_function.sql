-- The sandbox bubble-points provider answers a refund in one round trip, as an outside
-- system answers one request: this function counts the attempt, finds a refund applied
-- before, refuses the sandbox's test users' first attempts, or applies it, in the caller's
-- statement (its own transaction). Which attempts are refused the caller says
-- (services/points/adapters/provider.py keeps the test users' rules and their words).

CREATE FUNCTION bubble_refund(
    p_refund_id text, p_user_id text, p_points bigint, p_order_no text, refused_attempts integer
)
RETURNS TABLE (attempts integer, reused boolean, balance_after bigint, applied_now boolean,
               at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    done record;
BEGIN
    -- the upsert locks the refund's attempt row: calls for one refund id queue here, and
    -- each statement below reads afresh (a volatile function's own snapshot) once it is held
    INSERT INTO bubble_refund_attempts AS a (refund_id, attempts) VALUES (p_refund_id, 1)
        ON CONFLICT (refund_id) DO UPDATE
        SET attempts = a.attempts + 1, last_attempt_at = now()
        RETURNING a.attempts INTO attempts;
    SELECT m.user_id, m.points, m.balance_after, m.at INTO done
        FROM bubble_movements m WHERE m.refund_id = p_refund_id;
    IF FOUND THEN  -- applied before: the same answer, nothing moves again
        reused := (done.user_id, done.points) IS DISTINCT FROM (p_user_id, p_points);
        applied_now := false;
        IF NOT reused THEN
            balance_after := done.balance_after;
            at := done.at;
        END IF;
        RETURN NEXT;
        RETURN;
    END IF;
    reused := false;
    IF attempts <= refused_attempts THEN  -- refused: the attempt counted, nothing applied
        applied_now := false;
        RETURN NEXT;
        RETURN;
    END IF;
    WITH account AS (
        INSERT INTO bubble_accounts AS b (user_id, balance) VALUES (p_user_id, p_points)
            ON CONFLICT (user_id) DO UPDATE
            SET balance = b.balance + p_points, updated_at = now()
            RETURNING b.balance
    )
    INSERT INTO bubble_movements AS m
        (user_id, kind, points, balance_after, refund_id, merchant_order_no)
        SELECT p_user_id, 'refund', p_points, account.balance, p_refund_id, p_order_no
        FROM account
        RETURNING m.balance_after, m.at INTO balance_after, at;
    applied_now := true;
    RETURN NEXT;
END
$$;
