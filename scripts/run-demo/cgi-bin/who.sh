#!/bin/sh
# make run's demo CGI script (scripts/run): khttpd.ko hands /cgi-bin/ to
# khttpdd over the bridge, and khttpdd runs this; the header says so, for
# /which.html's table.
echo "Content-Type: text/plain"
echo "X-Served-By: khttpdd (CGI, handed over by khttpd.ko)"
echo
echo "Answered by khttpdd, pid $PPID, running this CGI script;"
echo "khttpd.ko took the connection and handed it over the bridge."
