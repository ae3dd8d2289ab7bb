#!/bin/sh
# executable outside /cgi-bin/: the module hands it over by the +x rule
echo "Content-Type: text/plain"
echo
echo "hello from an executable file"
