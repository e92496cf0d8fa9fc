# Real Debian servers for the probe test and bench, each started by hand with its own configuration in a
# temporary directory (no systemd here; policy-rc.d keeps the packaged ones stopped), on 127.0.0.1 only.
# Sourced: srv_start KIND PORT starts one and waits until it listens; srv_stop_all stops what it started.
# Needs SRV_DIR (a temporary directory) set; run it inside a network namespace of your own.

SRV_PIDS=""
NGINX=/usr/sbin/nginx
SSHD=/usr/sbin/sshd
REDIS=/usr/bin/redis-server
DNSMASQ=/usr/sbin/dnsmasq
MOSQUITTO=/usr/sbin/mosquitto
CHRONYD=/usr/sbin/chronyd
SNMPD=/usr/sbin/snmpd
MEMCACHED=/usr/bin/memcached
SLAPD=/usr/sbin/slapd
VSFTPD=/usr/sbin/vsftpd
DOVECOT=/usr/sbin/dovecot
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

# Which of the kinds can run here; prints the missing program for the others.
srv_missing() {
	case $1 in
	nginx-http | nginx-tls) [ -x $NGINX ] || echo nginx; command -v openssl >/dev/null || echo openssl ;;
	ssh) [ -x $SSHD ] || echo openssh-server ;;
	redis) [ -x $REDIS ] || echo redis-server ;;
	postgresql) [ -n "$PG_BIN" ] && [ -x "$PG_BIN/postgres" ] || echo postgresql ;;
	dnsmasq) [ -x $DNSMASQ ] || echo dnsmasq-base ;;
	mosquitto) [ -x $MOSQUITTO ] || echo mosquitto ;;
	chrony) [ -x $CHRONYD ] || echo chrony ;;
	snmpd) [ -x $SNMPD ] || echo snmpd ;;
	memcached) [ -x $MEMCACHED ] || echo memcached ;;
	slapd) [ -x $SLAPD ] || echo slapd ;;
	vsftpd) [ -x $VSFTPD ] || echo vsftpd ;;
	dovecot-imap) [ -x $DOVECOT ] && [ -e /usr/lib/dovecot/imap-login ] || echo dovecot-imapd ;;
	dovecot-pop3) [ -x $DOVECOT ] && [ -e /usr/lib/dovecot/pop3-login ] || echo dovecot-pop3d ;;
	silent | garbage) command -v python3 >/dev/null || echo python3 ;;
	esac
}

# Waits (bounded) until something accepts on 127.0.0.1:PORT/tcp.
srv_wait_port() {
	local i
	for i in $(seq 1 100); do
		if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "# server on port $1 did not start" >&2
	return 1
}

# The same for a udp port (bound on 127.0.0.1), read from the kernel's socket list.
srv_wait_udp() {
	local i
	for i in $(seq 1 100); do
		ss -Hlun "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	echo "# server on udp port $1 did not start" >&2
	return 1
}

# Servers that answer over udp only.
srv_udp() { case $1 in chrony | snmpd) return 0 ;; esac; return 1; }

srv_cert() {
	[ -f "$SRV_DIR/cert.pem" ] && return 0
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj "/CN=portlore-test" -addext "subjectAltName=DNS:portlore.test,IP:127.0.0.1" \
		-keyout "$SRV_DIR/key.pem" -out "$SRV_DIR/cert.pem" 2>/dev/null
}

srv_start() {
	local kind=$1 port=$2 d="$SRV_DIR/$1-$2"
	mkdir -p "$d"
	case $kind in
	nginx-http | nginx-tls)
		local listen="listen 127.0.0.1:$port; listen [::1]:$port;"
		if [ "$kind" = nginx-tls ]; then
			srv_cert || return 1
			listen="listen 127.0.0.1:$port ssl; ssl_certificate $SRV_DIR/cert.pem; ssl_certificate_key $SRV_DIR/key.pem;"
		fi
		cat >"$d/nginx.conf" <<-EOF
			daemon off; worker_processes 1; pid $d/nginx.pid; error_log $d/error.log;
			events { worker_connections 64; }
			http { access_log off; client_body_temp_path $d/tmp; proxy_temp_path $d/tmp; fastcgi_temp_path $d/tmp;
			       uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
			       server { $listen location / { return 200 "portlore test\n"; } } }
		EOF
		$NGINX -e "$d/error.log" -p "$d" -c "$d/nginx.conf" >"$d/out.log" 2>&1 &
		;;
	ssh)
		mkdir -p /run/sshd
		[ -f "$SRV_DIR/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$SRV_DIR/ssh_host_ed25519_key"
		printf 'Port %s\nListenAddress 127.0.0.1\nHostKey %s\nPidFile %s\nUsePAM no\n' "$port" \
			"$SRV_DIR/ssh_host_ed25519_key" "$d/sshd.pid" >"$d/sshd_config"
		$SSHD -D -e -f "$d/sshd_config" >"$d/out.log" 2>&1 &
		;;
	redis)
		$REDIS --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$d" --daemonize no \
			--logfile "$d/redis.log" >"$d/out.log" 2>&1 &
		;;
	postgresql)
		chown postgres "$d" 2>/dev/null || { echo "# no postgres user" >&2; return 1; }
		chmod 755 "$SRV_DIR"
		setpriv --reuid=postgres --regid=postgres --clear-groups "$PG_BIN/initdb" -D "$d/data" -A trust -U postgres >"$d/initdb.log" 2>&1 || {
			echo "# initdb failed: $(tail -3 "$d/initdb.log")" >&2
			return 1
		}
		setpriv --reuid=postgres --regid=postgres --clear-groups "$PG_BIN/postgres" -D "$d/data" -p "$port" -k "$d" -c listen_addresses=127.0.0.1 \
			-c fsync=off -c shared_buffers=16MB >"$d/out.log" 2>&1 &
		;;
	dnsmasq)
		$DNSMASQ --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --port="$port" \
			--listen-address=127.0.0.1 --bind-interfaces --pid-file="$d/pid" --user=root --group=root \
			>"$d/out.log" 2>&1 &
		;;
	mosquitto)
		printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nuser root\n' "$port" \
			>"$d/mosquitto.conf"
		$MOSQUITTO -c "$d/mosquitto.conf" >"$d/out.log" 2>&1 &
		;;
	chrony) # an NTP server of its own clock (stratum 10), never touching the host's
		printf 'port %s\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 10\ncmdport 0\npidfile %s\ndriftfile %s\n' \
			"$port" "$d/chronyd.pid" "$d/drift" >"$d/chrony.conf"
		$CHRONYD -d -x -u root -f "$d/chrony.conf" >"$d/out.log" 2>&1 &
		;;
	snmpd)
		printf 'agentaddress udp:127.0.0.1:%s\nrocommunity public 127.0.0.1\n' "$port" >"$d/snmpd.conf"
		$SNMPD -f -Lo -C -c "$d/snmpd.conf" -p "$d/snmpd.pid" >"$d/out.log" 2>&1 &
		;;
	memcached)
		$MEMCACHED -l 127.0.0.1 -p "$port" -U 0 -u root -m 16 >"$d/out.log" 2>&1 &
		;;
	slapd) # OpenLDAP with an empty database of its own
		mkdir -p "$d/db"
		printf 'include /etc/ldap/schema/core.schema\nmodulepath /usr/lib/ldap\nmoduleload back_mdb\npidfile %s\nargsfile %s\ndatabase mdb\nsuffix "dc=portlore,dc=test"\ndirectory %s\n' \
			"$d/slapd.pid" "$d/slapd.args" "$d/db" >"$d/slapd.conf"
		$SLAPD -d 0 -h "ldap://127.0.0.1:$port/" -f "$d/slapd.conf" >"$d/out.log" 2>&1 &
		;;
	vsftpd)
		mkdir -p "$d/empty"
		printf 'listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1\nlisten_port=%s\nbackground=NO\nanonymous_enable=YES\nanon_root=%s\nno_anon_password=YES\nlocal_enable=NO\nsecure_chroot_dir=%s\nxferlog_enable=NO\nvsftpd_log_file=%s\n' \
			"$port" "$d/empty" "$d/empty" "$d/vsftpd.log" >"$d/vsftpd.conf"
		$VSFTPD "$d/vsftpd.conf" >"$d/out.log" 2>&1 &
		;;
	dovecot-imap | dovecot-pop3) # greets before any login: no users needed
		local proto=${kind#dovecot-}
		chmod 755 "$SRV_DIR" "$d"
		printf 'protocols = %s\nlisten = 127.0.0.1\nbase_dir = %s/run\nstate_dir = %s/state\nssl = no\nlog_path = %s/dovecot.log\ndefault_internal_user = dovecot\ndefault_login_user = dovenull\npassdb {\n  driver = static\n  args = nopassword=n\n}\nservice %s-login {\n  inet_listener %s {\n    port = %s\n  }\n}\n' \
			"$proto" "$d" "$d" "$d" "$proto" "$proto" "$port" >"$d/dovecot.conf"
		$DOVECOT -F -c "$d/dovecot.conf" >"$d/out.log" 2>&1 &
		;;
	silent) # accepts and never says a word
		python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $port)); s.listen(64); held = []
while True: held.append(s.accept()[0])
" >"$d/out.log" 2>&1 &
		;;
	garbage) # greets every connection with bytes of no protocol
		python3 -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $port)); s.listen(64); held = []
while True:
    c = s.accept()[0]; held.append(c)
    try: c.send(bytes([0, 0x17, 0x9c, 0xff, 0xfe, 1]) + b'~~ no protocol at all ~~' + bytes(range(0, 32)))
    except OSError: pass
" >"$d/out.log" 2>&1 &
		;;
	*)
		echo "# unknown server kind $kind" >&2
		return 1
		;;
	esac
	local pid=$!
	SRV_PIDS="$SRV_PIDS $pid"
	echo "$pid" >"$d/started.pid"
	# dnsmasq listens on tcp as well as udp: the tcp check serves it.
	if srv_udp "$kind"; then
		srv_wait_udp "$port" || { cat "$d"/*.log >&2 2>/dev/null; return 1; }
	else
		srv_wait_port "$port" || { cat "$d"/*.log >&2 2>/dev/null; return 1; }
	fi
}

# Stops one server started by srv_start (by the pid it recorded), and waits for its port to be free.
srv_stop() {
	local d="$SRV_DIR/$1-$2" pid
	pid=$(cat "$d/started.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	local i
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$d/started.pid"
}

srv_stop_all() {
	local pid i alive
	for pid in $SRV_PIDS; do kill "$pid" 2>/dev/null; done
	for i in $(seq 1 30); do
		alive=""
		for pid in $SRV_PIDS; do kill -0 "$pid" 2>/dev/null && alive=1; done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for pid in $SRV_PIDS; do kill -9 "$pid" 2>/dev/null; done
	wait 2>/dev/null
	SRV_PIDS=""
}
