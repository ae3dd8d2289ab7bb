#!/bin/sh
# The handed-off URL of the chaos test: a fixed answer to compare.
echo "Content-Type: text/plain"
echo
echo "chaos handoff ok"
