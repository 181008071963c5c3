-- point_refunds is written once per refund request the gateway settles, and read only by
-- refund_id (its primary key: a request settled before is answered from its row). Nothing
-- reads it by order, so the index on merchant_order_no cost an entry per refund for no
-- read. An operator looking for an order's refunds reads a table of one row per refund.
DROP INDEX point_refunds_order;
