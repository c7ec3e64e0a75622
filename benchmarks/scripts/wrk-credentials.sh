#!/bin/bash
# Authenticated credential reads against the demo with wrk (issue #25): starts the demo on embedded
# defaults in a fresh data directory with the rate limits out of the way, creates the credential
# "loadtest" (a one-second loadtest run), signs in as admin, warms up for 10 s, then measures
# `wrk -t2 -c$CONNS -d20s` on GET /api/v1/credentials/loadtest with the bearer token.
#
#   ./mvnw -q -B package -pl examples -am -DskipTests && apt-get install -y wrk
#   benchmarks/scripts/wrk-credentials.sh                         # 32 connections, token cache on
#   CONNS=1000 benchmarks/scripts/wrk-credentials.sh              # 1,000 connections
#   benchmarks/scripts/wrk-credentials.sh --no-token-cache        # extra serve options
set -eu
PORT=${PORT:-18080}
CONNS=${CONNS:-32}
JAR=${JAR:-examples/target/infrakit-examples.jar}
DATA=$(mktemp -d)
export INFRAKIT_ADMIN_PASSWORD="wrk-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
java -jar "$JAR" serve --port "$PORT" --data-dir "$DATA" --rate-client 1000000000/1s --rate-user 1000000000/1s \
    --rate-admin 1000000000/1s --rate-anonymous 1000000000/1s "$@" > "$DATA.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA" "$DATA.log"' EXIT
for _ in $(seq 1 120); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health/ready")" = 200 ] && break
    sleep 0.5
done
java -jar "$JAR" loadtest --url "http://127.0.0.1:$PORT" --rate 50 --duration 1s > /dev/null
TOKEN=$(curl -s -X POST -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$INFRAKIT_ADMIN_PASSWORD\"}" "http://127.0.0.1:$PORT/api/v1/auth/login" \
    | python3 -c 'import sys, json; print(json.load(sys.stdin)["accessToken"])')
URL="http://127.0.0.1:$PORT/api/v1/credentials/loadtest"
wrk -t2 -c"$CONNS" -d10s -H "Authorization: Bearer $TOKEN" "$URL" > /dev/null
wrk -t2 -c"$CONNS" -d20s --latency -H "Authorization: Bearer $TOKEN" "$URL"
