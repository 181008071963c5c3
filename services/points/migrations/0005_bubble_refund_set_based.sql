-- The sandbox bubble-points provider's call (migration 0003) as two SQL statements, not a
-- PL/pgSQL function of three and its branches: the same answers, with no interpreter and
-- one statement start fewer a call.
--
-- The first counts the attempt; its upsert locks the refund's attempt row, so calls for one
-- refund id queue there. A volatile SQL function takes a fresh snapshot for each statement,
-- so the second, once that lock is held, sees a refund applied by a call that held it
-- before: it answers from that movement (nothing moves again), or refuses the sandbox's
-- test users' first attempts (the attempt counted, nothing applied), or applies the refund,
-- the account and its movement in one statement. The unique refund_id of bubble_movements
-- still guards "one refund per id" whatever the order of calls.

CREATE OR REPLACE FUNCTION bubble_refund(
    p_refund_id text, p_user_id text, p_points bigint, p_order_no text, refused_attempts integer
)
RETURNS TABLE (attempts integer, reused boolean, balance_after bigint, applied_now boolean,
               at timestamptz)
LANGUAGE sql VOLATILE
BEGIN ATOMIC
    INSERT INTO bubble_refund_attempts AS a (refund_id, attempts) VALUES (p_refund_id, 1)
        ON CONFLICT (refund_id) DO UPDATE
        SET attempts = a.attempts + 1, last_attempt_at = now();
    WITH tried AS (
        SELECT a.attempts FROM bubble_refund_attempts a WHERE a.refund_id = p_refund_id
    ),
    done AS (  -- applied before: the same answer, unless the id was used for another refund
        SELECT (m.user_id, m.points) IS DISTINCT FROM (p_user_id, p_points) AS reused,
               m.balance_after, m.at
        FROM bubble_movements m WHERE m.refund_id = p_refund_id
    ),
    account AS (
        INSERT INTO bubble_accounts AS b (user_id, balance)
        SELECT p_user_id, p_points FROM tried
        WHERE tried.attempts > refused_attempts AND NOT EXISTS (SELECT FROM done)
        ON CONFLICT (user_id) DO UPDATE SET balance = b.balance + p_points, updated_at = now()
        RETURNING b.balance
    ),
    moved AS (
        INSERT INTO bubble_movements AS m
            (user_id, kind, points, balance_after, refund_id, merchant_order_no)
        SELECT p_user_id, 'refund', p_points, account.balance, p_refund_id, p_order_no
        FROM account
        RETURNING m.balance_after, m.at
    )
    SELECT tried.attempts,
           coalesce(done.reused, false),
           CASE WHEN moved.at IS NOT NULL THEN moved.balance_after
                WHEN NOT done.reused THEN done.balance_after END,
           moved.at IS NOT NULL,
           CASE WHEN moved.at IS NOT NULL THEN moved.at WHEN NOT done.reused THEN done.at END
    FROM tried LEFT JOIN done ON true LEFT JOIN moved ON true;
END;
