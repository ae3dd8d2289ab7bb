#!/bin/sh
echo "Content-Type: text/plain"
echo
echo "served-by=khttpdd pid=$PPID"
env | sort
