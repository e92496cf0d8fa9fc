# bash completion for portlore: every subcommand's own options and the global options it takes
# (the same lists as `portlore COMMAND --help`; tests/integration/cli_lists.sh holds them to it).
_portlore()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	local commands="show search diff ghosts ls check pick probe serve traffic update"
	case $prev in
	--registry | --db | --from)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--color)
		COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
		return
		;;
	--transport)
		COMPREPLY=($(compgen -W "tcp udp sctp dccp" -- "$cur"))
		return
		;;
	--state)
		COMPREPLY=($(compgen -W "LISTEN UNCONN ESTAB SYN-SENT SYN-RECV FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT CLOSE CLOSE-WAIT LAST-ACK CLOSING" -- "$cur"))
		return
		;;
	--user)
		COMPREPLY=($(compgen -u -- "$cur"))
		return
		;;
	--limit | --count | --range | --port | --address | --pid | --command | --listen | --timeout | --connect-timeout | --wait | --concurrency | --rate | --capture-port | --capture-flows | --capture-window)
		return
		;;
	--capture | --iface)
		COMPREPLY=($(compgen -W "any $(ls /sys/class/net 2>/dev/null)" -- "$cur"))
		return
		;;
	--netns)
		COMPREPLY=($(compgen -W "self $(ls /run/netns 2>/dev/null)" -- "$cur"))
		return
		;;
	esac
	# The subcommand: the first word that is not an option (nor an option's value).
	local cmd="" i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--registry | --color) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	local opts
	case $cmd in
	check) opts="-t --tcp -u --udp --json --registry --color -h --help" ;;
	diff) opts="--json --registry --color -h --help" ;;
	ghosts) opts="--transport --limit --in-use --json --registry --color -h --help" ;;
	ls) opts="-t --tcp -u --udp -S --sctp -4 -6 -a --all --port --address --state --user --pid --command -w --wide --netns --probe --json --jsonl --registry --color -h --help" ;;
	probe) opts="-u --udp -t --tcp --timeout --connect-timeout --wait --concurrency --rate --no-tls --nmap-probes --no-nmap -4 -6 --json --registry --color -h --help" ;;
	traffic) opts="--pcap --iface --port --seconds --flows --max-packets --max-flows --idle --scan-ports --scan-hosts --scan-window --scan-packets --no-dpi --json --registry --color -h --help" ;;
	pick) opts="-n --count --range -t --tcp -u --udp --json --registry --color -h --help" ;;
	search) opts="-n --limit --json --registry --color -h --help" ;;
	serve) opts="--listen --db --expose-processes --capture --capture-port --capture-flows --capture-window --registry -h --help" ;;
	update) opts="--from --force --color -h --help" ;;
	*) opts="--json --jsonl --no-local --no-probe --netns --registry --color -h --help -V --version" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		return
	fi
	if [[ $cmd == diff ]]; then
		COMPREPLY=($(compgen -W "embedded cache" -- "$cur") $(compgen -f -- "$cur"))
		return
	fi
	if [[ $cur == */* ]]; then
		COMPREPLY=($(compgen -W "${cur%/*}/tcp ${cur%/*}/udp ${cur%/*}/sctp ${cur%/*}/dccp" -- "$cur"))
	fi
}
complete -F _portlore portlore
