-- No verification code in clear in the SMS log (issue 15): a read of this database, a
-- dump or a backup shows none. ``text`` holds what was sent with its secret parameters
-- masked, and ``params`` only the parameters that travel in clear. The secret ones stay in
-- ``sealed_params``: the request's box, sealed to notify's key (shared/sealing.py), opened
-- only to render the message for a round over the providers and by the recorded
-- latest-code look-up. Codes logged before this lose their text: they were valid for
-- minutes.
ALTER TABLE sms_messages ADD COLUMN sealed_params text;
UPDATE sms_messages SET text = display_text, params = params - 'code'
    WHERE template_id = 'verification_code';
