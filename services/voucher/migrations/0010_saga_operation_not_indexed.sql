-- A reversal's saga row is written three times (started, refund requested, concluded), and
-- each write changes its state and timer, so each adds an entry to every index of the
-- table. Nothing reads a saga by its operation id (a saga is found by its id or its
-- order), so the unique index on operation_id cost three random-page index writes per
-- reversal for no read. Its rule holds without it: a saga is inserted only in the
-- statement that inserts its operation (services/voucher/store/sagas.py, insert), with an
-- operation id new to the operations table's primary key, so no two sagas share one.
-- The foreign key to operations stays.
ALTER TABLE reversal_sagas DROP CONSTRAINT reversal_sagas_operation_id_key;
