#!/usr/bin/env bash
# Create every Kefu topic and its dead-letter topic on Apache Kafka, once (idempotent).
# Run by the topic-init container (deploy/compose) and the kefu-topics Job (deploy/k8s)
# with the apache/kafka image. Replication factor 3 and min.insync.replicas=2: a write
# acknowledged by acks=all is on two brokers, and one broker can be down.
# tests/unit/deploy checks this list against shared.contracts.TOPICS.
set -euo pipefail
BOOTSTRAP="${KAFKA_BOOTSTRAP:?set KAFKA_BOOTSTRAP}"
BIN="${KAFKA_BIN:-/opt/kafka/bin}"
REPLICATION=3
MIN_INSYNC=2
DLQ_PARTITIONS=3

# topic                              partitions (the bulk feeds and hot paths get more)
TOPICS="
voucher.issued.v1                    12
voucher.redeemed.v1                  6
points.reversal.requested.v1         6
points.reversal.result.v1            6
notify.sms.requested.v1              6
notify.inapp.requested.v1            6
notify.sms.sent.v1                   6
notify.sms.failed.v1                 6
refund.requested.v1                  6
refund.completed.v1                  6
refund.rejected.v1                   6
refund.sla.breached.v1               6
rental.user.registered.v1            6
rental.trip.started.v1               12
rental.trip.ended.v1                 12
rental.lock.state.reported.v1        12
rental.payment.received.v1           6
rental.user.blacklisted.v1           6
rental.user.restored.v1              6
rental.feedback.submitted.v1         6
rental.insurance.applied.v1          6
"

# SASL/TLS as the services speak it (KEFU_KAFKA_SASL_MECHANISM, KEFU_KAFKA_TLS): a client config
CLIENT=()
if [ -n "${KAFKA_SASL_MECHANISM:-}" ] || [ "${KAFKA_TLS:-false}" = "true" ]; then
  CONFIG="$(mktemp)"
  if [ -n "${KAFKA_SASL_MECHANISM:-}" ]; then
    PROTOCOL=SASL_PLAINTEXT
    [ "${KAFKA_TLS:-false}" = "true" ] && PROTOCOL=SASL_SSL
    MODULE=org.apache.kafka.common.security.scram.ScramLoginModule
    [ "$KAFKA_SASL_MECHANISM" = "PLAIN" ] && MODULE=org.apache.kafka.common.security.plain.PlainLoginModule
    {
      echo "security.protocol=$PROTOCOL"
      echo "sasl.mechanism=$KAFKA_SASL_MECHANISM"
      echo "sasl.jaas.config=$MODULE required username=\"${KAFKA_SASL_USERNAME:?}\" password=\"${KAFKA_SASL_PASSWORD:?}\";"
    } > "$CONFIG"
  else
    echo "security.protocol=SSL" > "$CONFIG"
  fi
  CLIENT=(--command-config "$CONFIG")
fi

until "$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" "${CLIENT[@]}" --list > /dev/null; do
  echo "waiting for Kafka at $BOOTSTRAP"
  sleep 5
done

create() {
  "$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" "${CLIENT[@]}" --create --if-not-exists \
    --topic "$1" --partitions "$2" --replication-factor "$REPLICATION" \
    --config "min.insync.replicas=$MIN_INSYNC"
}

while read -r topic partitions; do
  [ -n "$topic" ] || continue
  create "$topic" "$partitions"
  create "$topic.dlq" "$DLQ_PARTITIONS"
done <<< "$TOPICS"
echo "topics ready"
