-- The ticket list is searched by order number and by customer (issue 12, point 11): each
-- an index of its own, newest first like the list.
CREATE INDEX aftersales_tickets_by_order_no ON aftersales_tickets (order_no, id DESC);
CREATE INDEX aftersales_tickets_by_customer ON aftersales_tickets (customer_id, id DESC);
