# bash completion for portlore
_portlore()
{
	local cur prev words cword
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	local commands="show search diff ghosts ls check pick probe serve traffic update"
	local opts="--json --registry --no-local --no-probe --color --help --version"
	case $prev in
	--registry | --db)
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
	--limit | --timeout | --connect-timeout | --wait | --concurrency | --rate)
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		local extra=""
		[[ " ${COMP_WORDS[*]} " == *" search "* ]] && extra="--limit"
		[[ " ${COMP_WORDS[*]} " == *" ghosts "* ]] && extra="--limit --transport --in-use"
		[[ " ${COMP_WORDS[*]} " == *" serve "* ]] && extra="--listen --db --expose-processes"
		[[ " ${COMP_WORDS[*]} " == *" ls "* ]] && extra="--probe"
		[[ " ${COMP_WORDS[*]} " == *" traffic "* ]] && extra="--pcap --iface --port --seconds --flows --max-packets --max-flows --idle --scan-ports --scan-hosts --scan-window --scan-packets --no-dpi"
		[[ " ${COMP_WORDS[*]} " == *" probe "* ]] && extra="--udp --tcp --timeout --connect-timeout --wait --concurrency --rate --no-tls --nmap-probes --no-nmap -4 -6"
		COMPREPLY=($(compgen -W "$opts $extra" -- "$cur"))
		return
	fi
	if [[ $COMP_CWORD -eq 1 ]]; then
		COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		return
	fi
	if [[ " ${COMP_WORDS[*]:1:COMP_CWORD-1} " == *" diff "* ]]; then
		COMPREPLY=($(compgen -W "embedded cache" -- "$cur") $(compgen -f -- "$cur"))
		return
	fi
	if [[ $cur == */* ]]; then
		COMPREPLY=($(compgen -W "${cur%/*}/tcp ${cur%/*}/udp ${cur%/*}/sctp ${cur%/*}/dccp" -- "$cur"))
	fi
}
complete -F _portlore portlore
