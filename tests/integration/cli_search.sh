#!/bin/bash
# portlore search: ranking, limits, JSON, and "nothing found".
. "$(dirname "$0")/lib.sh"

run search ssh
expect "search ssh finds ssh first" 0 ''
first=$(sed -n 2p "$T_DIR/out")
[[ "$first" =~ ^22\ +tcp\ +ssh\ +exact ]] && _tap 1 "exact name ranks first" || _tap 0 "exact name ranks first" "$first"

run search ssh --json --limit 100
check "search --json is valid JSON" jq -e '.kind == "search" and (.results | length) > 3' "$T_DIR/out"
check "ranks never go back" jq -e '[.results[].match] as $m | ["exact","prefix","word","substring"] as $o | [ $m[] | ($o | index(.)) ] | . == sort' "$T_DIR/out"
check "prefix matches follow exact ones" jq -e '[.results[] | select(.match == "prefix") | .service | startswith("ssh")] | all' "$T_DIR/out"

run search SECURE --limit 3 --json
check "search is case-insensitive and honours --limit" jq -e '(.results | length) == 3 and ([.results[].description | ascii_downcase | contains("secure")] | all)' "$T_DIR/out"

run search zzzqqqxxx
expect "no match exits 1" 1

run search mao --json
check "search mao flags the ghost" jq -e '.results[0].service == "mao" and .results[0].ghost == true' "$T_DIR/out"

finish
