#!/bin/bash
# The demo's first seconds under load (issue #25). First `loadtest` starts and warms its own HTTP
# client against a loopback responder of its own (no request reaches the service; a cold load
# generator must not pass for a cold service); once it waits for the service, the demo starts on
# embedded defaults in a fresh data directory with the rate limits out of the way (so the two JVMs'
# warm-ups do not share the two cores, as a load balancer's traffic comes from elsewhere). The
# moment GET /health/ready answers 200 (polled every 20 ms), loadtest signs in, creates the
# credential and sends GET /api/v1/credentials/loadtest at $RATE for $DURATION. The p95 includes
# the first second.
#
#   ./mvnw -q -B package -pl examples -am -DskipTests
#   benchmarks/scripts/loadtest-from-ready.sh                          # 500/s for 40 s
#   RATE=2000 benchmarks/scripts/loadtest-from-ready.sh
#   benchmarks/scripts/loadtest-from-ready.sh --no-token-cache        # extra serve options
#   benchmarks/scripts/loadtest-from-ready.sh --warm-up 0s            # ready without warming up
#   JDBC_URL=jdbc:postgresql://… benchmarks/scripts/loadtest-from-ready.sh   # PostgreSQL mode
set -eu
PORT=${PORT:-18080}
RATE=${RATE:-500}
DURATION=${DURATION:-40s}
JAR=${JAR:-examples/target/infrakit-examples.jar}
DATA=$(mktemp -d)
export INFRAKIT_ADMIN_PASSWORD="lt-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
DB=()
if [ -n "${JDBC_URL:-}" ]; then
    DB=(--jdbc-url "$JDBC_URL")
fi
java -jar "$JAR" loadtest --url "http://127.0.0.1:$PORT" --await-ready 120s --rate "$RATE" --duration "$DURATION" \
    --p95 20ms > "$DATA.run" 2>&1 &
LOADTEST=$!
PID=
trap 'kill $LOADTEST $PID 2>/dev/null; wait $PID 2>/dev/null; grep -i "warm" "$DATA.log" || true; rm -rf "$DATA" "$DATA.log" "$DATA.run"' EXIT
until grep -q "waiting for" "$DATA.run"; do
    kill -0 $LOADTEST 2>/dev/null || { cat "$DATA.run"; exit 1; }
    sleep 0.05
done
java -jar "$JAR" serve --port "$PORT" --data-dir "$DATA" --rate-client 1000000000/1s --rate-user 1000000000/1s \
    --rate-admin 1000000000/1s --rate-anonymous 1000000000/1s "${DB[@]}" "$@" > "$DATA.log" 2>&1 &
PID=$!
STATUS=0
wait $LOADTEST || STATUS=$?
cat "$DATA.run"
exit $STATUS
