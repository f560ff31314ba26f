#!/bin/sh
# The image's CMD: what a container of hello:1 runs when you give no command.
echo "$GREETING from $(hostname), in $(pwd)"
cat message.txt
echo "built at: $(cat notes/built-at)"
