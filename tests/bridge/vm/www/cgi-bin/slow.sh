#!/bin/sh
# answers after ${QUERY_STRING:-3} seconds (rmmod while the daemon owns it)
sleep "${QUERY_STRING:-3}"
echo "Content-Type: text/plain"
echo
echo "slow done"
