#!/bin/bash
# simclient.sh DIR PORT - sshd's ForceCommand for a simulated router: hands
# $SSH_ORIGINAL_COMMAND for router DIR to the routersim daemon on
# 127.0.0.1:PORT and relays its output and exit status.
export LC_ALL=C
exec 3<>"/dev/tcp/127.0.0.1/$2" || exit 255
cmd=$SSH_ORIGINAL_COMMAND
printf '%s\n%s\n%s' "$1" "${#cmd}" "$cmd" >&3
IFS= read -r rc <&3
cat <&3
exit "${rc:-255}"
