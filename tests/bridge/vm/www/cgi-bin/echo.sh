#!/bin/sh
echo "Content-Type: application/octet-stream"
echo
cat
