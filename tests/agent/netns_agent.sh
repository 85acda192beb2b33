#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# End-to-end test of dsrlb-agent with a real Linux TCP server.
#
#   ns "cl" (client 10.77.0.2)  --veth--  ns "srv": dsrlb-agent
#        wire = net_af_packet on agw          kernel = net_tap "dtap0"
#        dtap0: 10.77.0.11/24 (the server's own / leg address)
#               10.77.0.100/32 (the VIP), a Python TCP server on VIP:8080
#
# Shows: the application sees the client's true address and the VIP,
# with the client tuple on the routed leg (a SYN with option 155 to
# 10.77.0.11 crafted by scapy is answered by the kernel from VIP:8080)
# and on the l2 leg (real connections to the VIP); the agent counts
# connections as they open and close (SIGUSR1 -> --stats-file); traffic
# that is not the agent's (ARP, ping, a connection to the server's own
# address) passes. Exit 77 (skip) without root, netns or scapy.
#
# usage: netns_agent.sh DSRLB_AGENT DSRLB_BUSY EAL_MEM_ARGS_SH WORKDIR
set -u
AGENT=$1
BUSY=$2
MEMARGS=$3
WORK=$4
PY=/usr/bin/python3
ID=$$
CL=dsrlbcl$ID
SRV=dsrlbsrv$ID
AGENT_PID=
SERVER_PID=
fails=0
n=0

skip() { echo "1..0 # SKIP $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "not root"
command -v ip >/dev/null || skip "no ip(8)"
$PY -c 'import scapy.all' 2>/dev/null || skip "no python3-scapy"

cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
	sleep 0.3
	ip netns del "$CL" 2>/dev/null
	ip netns del "$SRV" 2>/dev/null
}
trap cleanup EXIT INT TERM

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fails=$((fails + 1))
	fi
}

# Turn off TX checksum offload (what `ethtool -K IF tx off` does:
# ETHTOOL_STXCSUM through SIOCETHTOOL), so frames on the veth carry full
# checksums for af_packet.
txoff() {
	ip netns exec "$1" $PY - "$2" <<'EOF'
import ctypes, fcntl, socket, struct, sys
val = ctypes.create_string_buffer(struct.pack("II", 0x17, 0))
ifr = struct.pack("16sP", sys.argv[1].encode(), ctypes.addressof(val))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
fcntl.ioctl(s.fileno(), 0x8946, ifr + b"\0" * (40 - len(ifr)))
EOF
}

rm -rf "$WORK"
mkdir -p "$WORK"
ip netns add "$CL" || skip "cannot create network namespaces"
ip netns add "$SRV"
ip link add clv netns "$CL" type veth peer name agw netns "$SRV" ||
	skip "no veth"
ip -n "$CL" link set lo up
ip -n "$SRV" link set lo up
ip -n "$CL" addr add 10.77.0.2/24 dev clv
ip -n "$CL" link set clv up
ip -n "$SRV" link set agw up
# The agent owns agw: the server's kernel must not take frames from it
# itself (weak host model), only through the agent and dtap0.
ip -n "$SRV" link set agw arp off
ip netns exec "$SRV" sh -c 'echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter
	echo 1 > /proc/sys/net/ipv4/conf/agw/rp_filter
	echo 1 > /proc/sys/net/ipv6/conf/agw/disable_ipv6'
# The VIP is reached through the server (the l2 leg, as if the appliance
# forwarded on the link).
ip -n "$CL" route add 10.77.0.100/32 via 10.77.0.11
txoff "$CL" clv || skip "cannot turn off TX checksum offload"
txoff "$SRV" agw

# the client namespace plays the appliance: its frames carry the tuple
CLMAC=$(ip -n "$CL" link show clv | awk '/link\/ether/ {print $2}')
cat >"$WORK/agent.ini" <<EOF
[general]
flow_capacity = 1024
idle_sleep_us = 200
busy = connections
workers = 4
accept = sr_c
c = 2

[srv6]
locator = 2001:db8:77::

[port wire]
dev = net_af_packet0

[port kernel]
dev = net_tap0

[wire]
gateway_mac = 02:00:00:00:77:fe
appliance_mac = $CLMAC

[vip web]
address = 10.77.0.100
port = 8080
leg_address = 10.77.0.11
EOF

MEM=$("$MEMARGS" 256)
# shellcheck disable=SC2086
ip netns exec "$SRV" "$AGENT" $MEM --no-pci -l 0 --file-prefix "ag$ID" \
	--log-level=lib.eal:warning \
	--vdev net_af_packet0,iface=agw --vdev net_tap0,iface=dtap0 \
	-- --config "$WORK/agent.ini" --stats-file "$WORK/stats" \
	>"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
for _ in $(seq 100); do
	ip -n "$SRV" link show dtap0 >/dev/null 2>&1 && break
	sleep 0.1
done
ip -n "$SRV" link show dtap0 >/dev/null 2>&1
ok $? "dsrlb-agent started, net_tap dtap0 in the server namespace"
if [ $fails != 0 ]; then
	cat "$WORK/agent.log"
	echo "1..$n"
	exit 1
fi
txoff "$SRV" dtap0
ip -n "$SRV" addr add 10.77.0.11/24 dev dtap0
ip -n "$SRV" addr add 10.77.0.100/32 dev dtap0
ip -n "$SRV" link set dtap0 up
sleep 1

# The application: a TCP server on VIP:8080 that tells each client what
# it sees (peer and local address) and keeps the connection until the
# client closes it.
cat >"$WORK/server.py" <<'EOF'
import socket, sys, threading
log = open(sys.argv[1], "a", buffering=1)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.100", 8080))
s.listen(64)
def serve(c):
    p, l = c.getpeername(), c.getsockname()
    msg = "peer=%s:%d local=%s:%d\n" % (p[0], p[1], l[0], l[1])
    log.write(msg)
    c.sendall(msg.encode())
    while c.recv(100):
        pass
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
ip netns exec "$SRV" $PY "$WORK/server.py" "$WORK/server.log" &
SERVER_PID=$!
sleep 0.5

stats() {
	rm -f "$WORK/stats"
	kill -USR1 "$AGENT_PID"
	for _ in $(seq 50); do
		[ -s "$WORK/stats" ] && break
		sleep 0.1
	done
	sleep 0.2
	awk -v k="$1" '$1 == k { print $2 }' "$WORK/stats"
}

# ARP and ICMP to the server's own address pass both ways.
ip netns exec "$CL" $PY -c '
from scapy.all import ARP, Ether, ICMP, IP, conf, getmacbyip, sr1
conf.verb = 0
mac = getmacbyip("10.77.0.11")
r = sr1(IP(dst="10.77.0.11") / ICMP(), timeout=3, iface="clv")
print("arp", mac, "echo reply", r.summary() if r else None)
raise SystemExit(0 if mac and r is not None and r[ICMP].type == 0 else 1)
' >"$WORK/ping.log" 2>&1
ok $? "ping to the server's own address passes (ARP, ICMP)"

# Three real connections to the VIP, held open.
ip netns exec "$CL" $PY - "$WORK" <<'EOF' &
import socket, sys, time
out = open(sys.argv[1] + "/client.log", "w", buffering=1)
socks = []
for i in range(3):
    c = socket.create_connection(("10.77.0.100", 8080), timeout=5)
    out.write(c.recv(100).decode())
    socks.append(c)
open(sys.argv[1] + "/opened", "w").close()
while not __import__("os").path.exists(sys.argv[1] + "/close"):
    time.sleep(0.05)
for c in socks:
    c.close()
time.sleep(1)
open(sys.argv[1] + "/closed", "w").close()
EOF
CLIENT_PID=$!
for _ in $(seq 100); do
	[ -e "$WORK/opened" ] && break
	sleep 0.1
done
[ -e "$WORK/opened" ]
ok $? "three TCP connections to the VIP established through the agent"
grep -c "peer=10.77.0.2:[0-9]* local=10.77.0.100:8080" \
	"$WORK/server.log" 2>/dev/null | grep -qx 3
ok $? "the application sees the client's true address and the VIP"
c=$(stats connections)
[ "$c" = 3 ]
ok $? "the agent counts 3 open connections (got '$c')"
s=$(awk '$1 == "score" { print $2 }' "$WORK/stats")
[ "$s" = 3 ]
ok $? "score = busy = 3 (got '$s')"
touch "$WORK/close"
for _ in $(seq 100); do
	[ -e "$WORK/closed" ] && break
	sleep 0.1
done
wait "$CLIENT_PID"
c=$(stats connections)
[ "$c" = 0 ]
ok $? "connections back to 0 after the client closed them (got '$c')"
o=$(awk '$1 == "conn_open" { print $2 }' "$WORK/stats")
cl=$(awk '$1 == "conn_close" { print $2 }' "$WORK/stats")
[ "$o" = 3 ] && [ "$cl" = 3 ]
ok $? "conn_open 3, conn_close 3 (got $o, $cl)"

# The routed leg: a SYN to the server's leg address with the client
# tuple (what the appliance sends), crafted with scapy: the kernel
# answers from VIP:8080 to the true client, and the agent sends that
# SYN-ACK straight back (direct server return).
ip netns exec "$CL" $PY - <<'EOF' >"$WORK/leg.log" 2>&1
import socket, struct
from scapy.all import IP, TCP, IPOption, AsyncSniffer, send, conf
import time
conf.verb = 0
opt = IPOption(b"\x9b\x08" + socket.inet_aton("10.77.0.2") +
               struct.pack("!H", 45678))
sn = AsyncSniffer(iface="clv", filter="tcp port 45678")
sn.start()
time.sleep(0.5)
send(IP(src="10.77.0.2", dst="10.77.0.11", options=[opt]) /
     TCP(sport=45678, dport=8080, flags="S", seq=1))
time.sleep(1.5)
got = sn.stop()
for x in got:
    print("seen:", x.summary())
ok = any(IP in x and x[IP].src == "10.77.0.100" and
         x[TCP].sport == 8080 and x[TCP].dport == 45678 and
         x[TCP].flags == "SA" and x[TCP].ack == 2 for x in got)
print("SYN-ACK from the VIP:", ok)
raise SystemExit(0 if ok else 1)
EOF
ok $? "routed leg: SYN with option 155 to 10.77.0.11 answered by the kernel from the VIP ($(tail -1 "$WORK/leg.log"))"

# A connection to the server's own address (not a VIP: untouched).
ip netns exec "$SRV" $PY -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.11", 2222)); s.listen(1); c, _ = s.accept()
c.sendall(b"own\n"); c.close()' &
OWN_PID=$!
sleep 0.3
r=$(ip netns exec "$CL" $PY -c '
import socket
c = socket.create_connection(("10.77.0.11", 2222), timeout=5)
print(c.recv(10).decode().strip())')
wait $OWN_PID
[ "$r" = own ]
ok $? "a connection to the server's own address passes untouched"

kill -INT "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
[ $rc = 0 ]
ok $? "SIGINT: clean exit, every mbuf back in its pool (rc $rc)"
grep "mempool" "$WORK/agent.log" | sed 's/^/# /'
if [ $fails != 0 ]; then
	sed 's/^/# /' "$WORK/agent.log"
fi
echo "1..$n"
[ $fails = 0 ]
