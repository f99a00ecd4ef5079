# Sourced after lib.sh by the farm suite and bench/farm-spawn.sh: three "hypervisors" on this
# machine. Each is a network namespace with its own libvirtd (fvm-sandbox), pool and clone
# network, and an sshd of its own on the host's address, run in the daemon's mount namespace so
# that virt-ssh-helper finds that daemon at the usual socket, as on a real host. A client
# namespace joins them with a bridge (10.77.0.0/24); fvm runs there (`client CMD`) and reaches
# host I only as URI[I] (qemu+ssh://root@10.77.0.1I/system, with keys made here); no clone
# network is routable from it. LOCAL[I] is host I's socket from this machine, for checks
# (`vh I VIRSH-ARGS`). farm_up makes it all and sets the EXIT trap (farm_down) that removes it
# all: guests, daemons, sshds, namespaces and the directory T.
declare -a URI LOCAL
T=$(mktemp -d /var/tmp/fvm-farm-XXXXXX)
chmod 0755 "$T"
CLIENT=fvmfc$$
H=(x fvmfh$$-1 fvmfh$$-2 fvmfh$$-3)

farm_down() {
	local i pid
	for i in 1 2 3; do
		pid=$(cat "$T/h$i/sshd.pid" 2>/dev/null) && kill "$pid" 2>/dev/null
		fvm-sandbox down --dir "$T/h$i" --purge >/dev/null 2>&1
	done
	ip netns del "$CLIENT" 2>/dev/null
	rm -rf --one-file-system "$T"
}
client() { ip netns exec "$CLIENT" "$@"; }
vh() {
	local i=$1
	shift
	virsh -q -c "${LOCAL[$i]}" "$@"
}

# host_up I: the daemon, a veth into the client's bridge, the sshd.
host_up() {
	local i=$1 dpid
	fvm-sandbox up --dir "$T/h$i" --name "${H[$i]}" >/dev/null 2>"$T/h$i.err" ||
		bail "host $i: $(tail -n 1 "$T/h$i.err")"
	ip link add "fvmfa$$$i" type veth peer name "fvmfb$$$i" || bail "veth"
	ip link set "fvmfa$$$i" netns "${H[$i]}" && ip link set "fvmfb$$$i" netns "$CLIENT" &&
		ip -n "${H[$i]}" addr add "10.77.0.1$i/24" dev "fvmfa$$$i" &&
		ip -n "${H[$i]}" link set "fvmfa$$$i" up &&
		ip -n "$CLIENT" link set "fvmfb$$$i" master fvmfarm0 up || bail "host $i link"
	printf '%s\n' "ListenAddress 10.77.0.1$i" "HostKey $T/hostkey" "PidFile $T/h$i/sshd.pid" \
		"AuthorizedKeysFile $T/authorized_keys" "PermitRootLogin prohibit-password" \
		"StrictModes no" "UsePAM no" "PasswordAuthentication no" \
		"KbdInteractiveAuthentication no" >"$T/h$i/sshd_config"
	dpid=$(cat "$T/h$i/libvirtd.pid")
	nsenter -t "$dpid" -m -n /usr/sbin/sshd -f "$T/h$i/sshd_config" -E "$T/h$i/sshd.log" ||
		bail "host $i: sshd"
	URI[$i]="qemu+ssh://root@10.77.0.1$i/system?keyfile=$T/jump&no_verify=1&command=$T/ssh"
	LOCAL[$i]="qemu:///system?socket=$T/h$i/run/libvirt-sock"
}

farm_up() {
	local i
	trap farm_down EXIT
	ip netns add "$CLIENT" && ip -n "$CLIENT" link set lo up &&
		ip -n "$CLIENT" link add fvmfarm0 type bridge &&
		ip -n "$CLIENT" addr add 10.77.0.1/24 dev fvmfarm0 &&
		ip -n "$CLIENT" link set fvmfarm0 up || bail "client namespace"
	ssh-keygen -q -t ed25519 -N '' -C fvm-farm -f "$T/jump" || bail "ssh-keygen"
	ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" || bail "ssh-keygen"
	cp "$T/jump.pub" "$T/authorized_keys"
	# libvirt's own ssh (command=): the host keys are new every run and never recorded.
	printf '%s\n' '#!/bin/sh' 'exec ssh -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=5 -o LogLevel=ERROR "$@"' >"$T/ssh"
	chmod 0755 "$T/ssh"
	mkdir -p /run/sshd
	for i in 1 2 3; do host_up "$i"; done
}

# host_restart_daemon I: host I's libvirtd again after it died, in the namespaces its sshd kept.
host_restart_daemon() {
	local i=$1 deadline=$((SECONDS + 30))
	nsenter -t "$(cat "$T/h$i/sshd.pid")" -m -n libvirtd -d -p "$T/h$i/libvirtd.pid" || return 1
	until vh "$i" version >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.3
	done
}
