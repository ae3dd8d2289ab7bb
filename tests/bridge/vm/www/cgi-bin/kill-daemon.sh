#!/bin/sh
# The host's way to kill -9 the daemon (the supervisor restarts it later).
echo "Content-Type: text/plain"
echo
echo "killing $(cat /tmp/khttpdd.pid)"
kill -9 "$(cat /tmp/khttpdd.pid)"
